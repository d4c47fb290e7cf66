#include "reactor/timer_heap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reactor {
namespace {

TEST(TimerHeap, EmptyHeapHasNoDeadline) {
    TimerHeap heap;
    EXPECT_TRUE(heap.empty());
    EXPECT_EQ(heap.next_deadline(), UINT64_MAX);
    EXPECT_EQ(heap.run_due(1000), 0u);
}

TEST(TimerHeap, FiresByDeadlineAndEqualDeadlinesInAddOrder) {
    TimerHeap heap;
    std::string order;
    heap.add(20, 0, [&] { order += 'd'; });
    heap.add(10, 0, [&] { order += 'a'; });
    heap.add(15, 0, [&] { order += 'c'; });
    heap.add(10, 0, [&] { order += 'b'; });
    EXPECT_EQ(heap.next_deadline(), 10u);
    EXPECT_EQ(heap.run_due(20), 4u);
    EXPECT_EQ(order, "abcd");
    EXPECT_TRUE(heap.empty());
}

TEST(TimerHeap, RunsOnlyWhatIsDue) {
    TimerHeap heap;
    int ran = 0;
    heap.add(10, 0, [&] { ++ran; });
    heap.add(11, 0, [&] { ++ran; });
    EXPECT_EQ(heap.run_due(9), 0u);
    EXPECT_EQ(heap.run_due(10), 1u);
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(heap.next_deadline(), 11u);
    EXPECT_FALSE(heap.empty());
}

TEST(TimerHeap, IdsAreNonZeroAndDistinct) {
    TimerHeap heap;
    const TimerId a = heap.add(1, 0, [] {});
    const TimerId b = heap.add(1, 0, [] {});
    EXPECT_NE(a, 0u);
    EXPECT_NE(b, 0u);
    EXPECT_NE(a, b);
}

TEST(TimerHeap, RepeatReArmsFromItsDeadline) {
    TimerHeap heap;
    int ran = 0;
    heap.add(10, 10, [&] { ++ran; });
    EXPECT_EQ(heap.run_due(10), 1u);
    EXPECT_EQ(heap.next_deadline(), 20u);
    // A little late: the schedule keeps its phase.
    EXPECT_EQ(heap.run_due(25), 1u);
    EXPECT_EQ(heap.next_deadline(), 30u);
    EXPECT_EQ(ran, 2);
}

TEST(TimerHeap, RepeatAfterAStallFiresOnceAndReArmsFromNow) {
    TimerHeap heap;
    int ran = 0;
    heap.add(10, 10, [&] { ++ran; });
    EXPECT_EQ(heap.run_due(100), 1u);
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(heap.next_deadline(), 110u);
}

TEST(TimerHeap, CancelledTimerNeverRuns) {
    TimerHeap heap;
    int ran = 0;
    const TimerId id = heap.add(10, 0, [&] { ++ran; });
    heap.add(20, 0, [&] { ran += 10; });
    heap.cancel(id);
    heap.cancel(id);  // twice is harmless
    EXPECT_EQ(heap.next_deadline(), 20u);
    EXPECT_EQ(heap.run_due(30), 1u);
    EXPECT_EQ(ran, 10);
    EXPECT_TRUE(heap.empty());
}

TEST(TimerHeap, CancellingTheOnlyTimerEmptiesTheHeap) {
    TimerHeap heap;
    const TimerId id = heap.add(10, 5, [] {});
    heap.cancel(id);
    EXPECT_TRUE(heap.empty());
    EXPECT_EQ(heap.next_deadline(), UINT64_MAX);
}

TEST(TimerHeap, CancelAfterFiringIsHarmless) {
    TimerHeap heap;
    const TimerId fired = heap.add(1, 0, [] {});
    EXPECT_EQ(heap.run_due(1), 1u);
    int ran = 0;
    heap.add(2, 0, [&] { ++ran; });
    heap.cancel(fired);
    EXPECT_EQ(heap.run_due(2), 1u);
    EXPECT_EQ(ran, 1);
}

TEST(TimerHeap, StaleIdDoesNotCancelTheTimerReusingItsSlot) {
    TimerHeap heap;
    const TimerId old_id = heap.add(5, 0, [] {});
    heap.cancel(old_id);
    int ran = 0;
    const TimerId new_id = heap.add(5, 0, [&] { ++ran; });
    EXPECT_NE(new_id, old_id);
    heap.cancel(old_id);
    EXPECT_EQ(heap.run_due(5), 1u);
    EXPECT_EQ(ran, 1);
}

TEST(TimerHeap, RepeatCancelledFromItsOwnCallbackStops) {
    TimerHeap heap;
    int ran = 0;
    TimerId id = 0;
    id = heap.add(10, 10, [&] {
        if (++ran == 2) heap.cancel(id);
    });
    EXPECT_EQ(heap.run_due(10), 1u);
    EXPECT_EQ(heap.run_due(20), 1u);
    EXPECT_TRUE(heap.empty());
    EXPECT_EQ(heap.run_due(1000), 0u);
    EXPECT_EQ(ran, 2);
}

TEST(TimerHeap, OneShotCancellingItselfInItsCallbackIsHarmless) {
    TimerHeap heap;
    TimerId id = 0;
    int ran = 0;
    id = heap.add(1, 0, [&] {
        ++ran;
        heap.cancel(id);
    });
    EXPECT_EQ(heap.run_due(1), 1u);
    EXPECT_EQ(ran, 1);
    EXPECT_TRUE(heap.empty());
}

TEST(TimerHeap, CallbackCancelsAnotherDueTimer) {
    TimerHeap heap;
    std::string order;
    TimerId victim = 0;
    heap.add(10, 0, [&] {
        order += 'a';
        heap.cancel(victim);
    });
    victim = heap.add(10, 0, [&] { order += 'x'; });
    heap.add(10, 0, [&] { order += 'c'; });
    EXPECT_EQ(heap.run_due(10), 2u);
    EXPECT_EQ(order, "ac");
}

TEST(TimerHeap, DueTimerAddedByACallbackRunsInTheNextCall) {
    TimerHeap heap;
    std::string order;
    heap.add(10, 0, [&] {
        order += 'a';
        heap.add(5, 0, [&] { order += 'n'; });  // already overdue
    });
    heap.add(10, 0, [&] { order += 'b'; });
    EXPECT_EQ(heap.run_due(10), 2u);
    EXPECT_EQ(order, "ab");
    EXPECT_EQ(heap.next_deadline(), 5u);
    EXPECT_EQ(heap.run_due(10), 1u);
    EXPECT_EQ(order, "abn");
}

TEST(TimerHeap, TimerReAddingItselfAsDueRunsOncePerCall) {
    TimerHeap heap;
    int ran = 0;
    std::function<void()> again = [&] {
        ++ran;
        heap.add(0, 0, again);
    };
    heap.add(0, 0, again);
    EXPECT_EQ(heap.run_due(0), 1u);
    EXPECT_EQ(heap.run_due(0), 1u);
    EXPECT_EQ(ran, 2);
}

TEST(TimerHeap, CallbackAddingManyTimersKeepsItsOwnRepeat) {
    TimerHeap heap;
    int ran = 0;
    int added_ran = 0;
    heap.add(1, 1, [&] {
        ++ran;
        for (int i = 0; i < 100; ++i) heap.add(50, 0, [&] { ++added_ran; });
    });
    EXPECT_EQ(heap.run_due(1), 1u);
    EXPECT_EQ(heap.next_deadline(), 2u);
    EXPECT_EQ(heap.run_due(2), 1u);
    // The repeat fell behind (due at 3): it fires once, not 48 times. The 100
    // timers its callback adds now are due too, but wait for the next call.
    EXPECT_EQ(heap.run_due(50), 1u + 200u);
    EXPECT_EQ(ran, 3);
    EXPECT_EQ(added_ran, 200);
    EXPECT_EQ(heap.next_deadline(), 50u);
}

TEST(TimerHeap, HugeDeadlineOrPeriodDoesNotWrap) {
    TimerHeap heap;
    int ran = 0;
    heap.add(10, UINT64_MAX, [&] { ++ran; });
    EXPECT_EQ(heap.run_due(10), 1u);
    EXPECT_EQ(heap.run_due(UINT64_MAX - 1), 0u);
    EXPECT_EQ(ran, 1);
}

TEST(TimerHeap, MostlyCancelledTimersStillFireInOrder) {
    TimerHeap heap;
    std::vector<TimerId> ids;
    std::vector<int> fired;
    for (int i = 0; i < 10000; ++i) {
        ids.push_back(heap.add(1000 + static_cast<uint64_t>(i), 0, [&fired, i] { fired.push_back(i); }));
    }
    for (int i = 0; i < 10000; ++i) {
        if (i % 1000 != 7) heap.cancel(ids[static_cast<size_t>(i)]);
    }
    EXPECT_EQ(heap.next_deadline(), 1007u);
    EXPECT_EQ(heap.run_due(UINT64_MAX - 1), 10u);
    ASSERT_EQ(fired.size(), 10u);
    for (size_t k = 0; k < fired.size(); ++k) EXPECT_EQ(fired[k], static_cast<int>(k) * 1000 + 7);
    EXPECT_TRUE(heap.empty());
}

}  // namespace
}  // namespace reactor
