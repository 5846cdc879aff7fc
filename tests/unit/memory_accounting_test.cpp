// The sizes docs/memory.md accounts for: a queued task holds one of each. Growing one of them
// grows every queued task; the page and its "where to cut" list must follow (re-measure with
// tools/bench/memory), so the bounds here are the sizes it states.

#include "actors/task_context.hpp"
#include "actors/task_control.hpp"
#include "actors/task_record.hpp"

#include <boost/test/unit_test.hpp>

using herald::actors::task_control;
using herald::actors::task_input;
using herald::actors::task_record;

BOOST_AUTO_TEST_SUITE(memory_accounting_test)

BOOST_AUTO_TEST_CASE(a_queued_tasks_parts_are_no_larger_than_docs_memory_says) {
  BOOST_TEST(sizeof(task_record) <= 488u);
  BOOST_TEST(sizeof(task_control) <= 256u);
  BOOST_TEST(sizeof(task_input) <= 120u);
}

BOOST_AUTO_TEST_SUITE_END()
