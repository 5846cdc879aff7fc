#pragma once

#include "app/config.hpp"

namespace herald::app {

class server;

/// The demo app of SPEC §6, which the `herald` binary serves unless `demo.enabled` is false:
/// - `POST /process-data`: progress 0..100 in steps of 5, one tick per `demo.tick_ms`, result
///   `{"message":"Processing completed"}`, at most 2 at once;
/// - `GET /generate-report`: `demo.report_ms` of work with time-based progress, result
///   `{"report":"Report generation completed"}`, at most 3 at once;
/// - `GET /sse`: a custom event "Start - Hello there! The datetime is: <time>", another
///   "End - ..." `demo.event_gap_ms` later, result `{"message":"Done"}`, at most 3 at once.
void add_demo_routes(server& node, const demo_settings& settings);

} // namespace herald::app
