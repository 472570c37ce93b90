#include "dhcpd/net/reply_parking.h"

#include <string>

#include <gtest/gtest.h>

namespace tandem::net {
namespace {

using namespace std::chrono_literals;
using Parking = ReplyParking<std::string>;
using Exit = Parking::Exit;

// A steady time point to start from (the lot never reads a clock).
const Parking::Steady kT0 = Parking::Steady{} + 1000s;

std::vector<std::string> items(const std::vector<Parking::Dropped>& d) {
  std::vector<std::string> out;
  for (const auto& x : d) out.push_back(x.item);
  return out;
}

// ---- the journal only (a single server, or HA states that wait for no partner) ----------

TEST(ReplyParking, ReleasesUpToDurableSequenceInOrder) {
  Parking p(10, 5s);
  ASSERT_TRUE(p.park("c", 3, false, kT0));
  ASSERT_TRUE(p.park("e", 5, false, kT0));
  ASSERT_TRUE(p.park("g", 7, false, kT0));
  EXPECT_FALSE(p.releasable(2));
  EXPECT_TRUE(p.release(2).empty());
  EXPECT_TRUE(p.releasable(5));
  EXPECT_EQ(p.release(5), (std::vector<std::string>{"c", "e"}));
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.release(100), (std::vector<std::string>{"g"}));
  EXPECT_TRUE(p.empty());
}

// One decision's writes have consecutive sequences: a refusal of any of them (not only of
// the last, which the reply waits for) removes the reply.
TEST(ReplyParking, DropFindsAReplyByAnyOfItsWrites) {
  Parking p(10, 5s);
  ASSERT_TRUE(p.park("a", 2, false, kT0, 1));
  ASSERT_TRUE(p.park("b", 5, false, kT0, 3));  // writes 3, 4, 5
  ASSERT_TRUE(p.park("c", 8, true, kT0, 6));   // writes 6, 7, 8, also waiting for the partner
  EXPECT_TRUE(p.drop(4));
  EXPECT_FALSE(p.drop(5));  // gone already
  EXPECT_TRUE(p.drop(6));
  EXPECT_EQ(p.release(100), (std::vector<std::string>{"a"}));
}

TEST(ReplyParking, DropRemovesOnlyThatSequence) {
  Parking p(10, 5s);
  ASSERT_TRUE(p.park("a", 1, false, kT0));
  ASSERT_TRUE(p.park("b", 2, false, kT0));
  ASSERT_TRUE(p.park("c", 3, false, kT0));
  ASSERT_TRUE(p.park("d", 4, true, kT0));  // also waiting for the partner
  EXPECT_TRUE(p.drop(2));
  EXPECT_FALSE(p.drop(2));
  EXPECT_FALSE(p.drop(7));
  EXPECT_TRUE(p.drop(4));
  EXPECT_EQ(p.release(4), (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(p.empty());
}

TEST(ReplyParking, SameSequenceReleasesTogether) {
  Parking p(10, 1s);
  ASSERT_TRUE(p.park("1", 4, false, kT0));
  ASSERT_TRUE(p.park("2", 4, false, kT0));
  EXPECT_EQ(p.release(4), (std::vector<std::string>{"1", "2"}));
}

TEST(ReplyParking, FullParkingRefusesWhateverTheReplyWaitsFor) {
  Parking p(2, 1s);
  EXPECT_TRUE(p.park("1", 1, false, kT0));
  EXPECT_TRUE(p.park("2", 2, true, kT0));
  EXPECT_FALSE(p.park("3", 3, false, kT0));
  EXPECT_FALSE(p.park("4", 4, true, kT0));
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.capacity(), 2u);
  p.release(1);
  EXPECT_TRUE(p.park("3", 3, false, kT0));
}

TEST(ReplyParking, NotDurableByTheDeadlineIsDropped) {
  Parking p(10, 5s);
  ASSERT_TRUE(p.park("a", 1, false, kT0));
  ASSERT_TRUE(p.park("b", 2, false, kT0 + 5s));
  EXPECT_TRUE(p.expire(kT0 + 4999ms).empty());
  auto d = p.expire(kT0 + 5s);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].item, "a");
  EXPECT_EQ(d[0].why, Exit::NotDurable);
  // A journal that never advances (disk full): the rest goes too, never sent.
  d = p.expire(kT0 + 10s);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].why, Exit::NotDurable);
  EXPECT_TRUE(p.release(100).empty());
  EXPECT_TRUE(p.empty());
}

// ---- waiting for the partner's acknowledgement too (HA, reference 6.2) ------------------

TEST(ReplyParking, AcknowledgedAndDurableLeaves) {
  Parking p(10, 5s);
  auto t = p.park("ack", 3, true, kT0);
  ASSERT_TRUE(t);
  EXPECT_EQ(p.awaitingAck(), 1u);
  EXPECT_EQ(p.oldestAwaitingAck(), kT0);
  // Durable first: still waits for the partner.
  EXPECT_FALSE(p.releasable(3));
  EXPECT_TRUE(p.release(3).empty());
  auto a = p.acknowledge(*t, true);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->parkedAt, kT0);  // the update's round trip starts here
  EXPECT_EQ(p.awaitingAck(), 0u);
  EXPECT_FALSE(p.oldestAwaitingAck());
  EXPECT_EQ(p.release(3), (std::vector<std::string>{"ack"}));
  EXPECT_TRUE(p.empty());
}

TEST(ReplyParking, AcknowledgedBeforeDurableWaitsForTheDisk) {
  Parking p(10, 5s);
  auto t = p.park("ack", 8, true, kT0);
  ASSERT_TRUE(p.acknowledge(*t, true));
  EXPECT_TRUE(p.release(7).empty());
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.release(8), (std::vector<std::string>{"ack"}));
}

TEST(ReplyParking, NothingToWriteLeavesOnTheAcknowledgement) {
  Parking p(10, 5s);
  auto t = p.park("ack", 0, true, kT0);
  ASSERT_TRUE(p.acknowledge(*t, true));
  EXPECT_TRUE(p.releasable(0));
  EXPECT_EQ(p.release(0), (std::vector<std::string>{"ack"}));
}

TEST(ReplyParking, AcknowledgementsOutOfOrderLeaveInJournalOrder) {
  Parking p(10, 5s);
  auto t9 = p.park("9", 9, true, kT0);
  auto t2 = p.park("2", 2, true, kT0);
  ASSERT_TRUE(p.park("5", 5, false, kT0));
  ASSERT_TRUE(p.acknowledge(*t9, true));
  ASSERT_TRUE(p.acknowledge(*t2, true));
  EXPECT_EQ(p.release(5), (std::vector<std::string>{"2", "5"}));
  EXPECT_EQ(p.release(9), (std::vector<std::string>{"9"}));
}

TEST(ReplyParking, FailedAcknowledgementDropsTheReply) {
  Parking p(10, 5s);
  auto bad = p.park("refused", 1, true, kT0);
  auto good = p.park("ok", 2, true, kT0);
  auto a = p.acknowledge(*bad, false);
  ASSERT_TRUE(a);  // it was waiting: the caller counts the drop
  EXPECT_EQ(p.size(), 1u);
  EXPECT_FALSE(p.acknowledge(*bad, true));  // gone for good: a late answer changes nothing
  ASSERT_TRUE(p.acknowledge(*good, true));
  EXPECT_EQ(p.release(100), (std::vector<std::string>{"ok"}));
  EXPECT_TRUE(p.empty());
}

TEST(ReplyParking, AcknowledgementThatNeverComesTimesOut) {
  Parking p(10, 5s);
  auto t = p.park("lost", 1, true, kT0);
  ASSERT_TRUE(p.park("disk", 2, false, kT0 + 1s));
  EXPECT_TRUE(p.expire(kT0 + 4s).empty());
  EXPECT_EQ(p.oldestAwaitingAck(), kT0);  // what the back-pressure looks at
  auto d = p.expire(kT0 + 5s);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].item, "lost");
  EXPECT_EQ(d[0].why, Exit::AckTimedOut);
  EXPECT_FALSE(p.acknowledge(*t, true));  // the answer after the deadline: nothing to send
  EXPECT_EQ(p.release(100), (std::vector<std::string>{"disk"}));
}

TEST(ReplyParking, AcknowledgedButNeverDurableTimesOutAsNotDurable) {
  Parking p(10, 5s);
  auto t = p.park("acked", 4, true, kT0);
  ASSERT_TRUE(p.acknowledge(*t, true));
  auto d = p.expire(kT0 + 5s);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].why, Exit::NotDurable);
}

TEST(ReplyParking, DeadlinesAreOnTheSteadyClockFromParking) {
  // The lot is given steady time points only; a reply parked later has a later deadline.
  Parking p(10, 2s);
  ASSERT_TRUE(p.park("early", 1, true, kT0));
  ASSERT_TRUE(p.park("late", 2, true, kT0 + 1s));
  EXPECT_EQ(items(p.expire(kT0 + 2s)), (std::vector<std::string>{"early"}));
  EXPECT_EQ(p.oldestAwaitingAck(), kT0 + 1s);
  EXPECT_EQ(items(p.expire(kT0 + 3s)), (std::vector<std::string>{"late"}));
}

TEST(ReplyParking, PartnerDownWhileParkedFailsEveryWaitingAcknowledgement) {
  // The partner dies: its connection fails every update in flight, one answer each...
  Parking p(10, 5s);
  auto a = p.park("a", 1, true, kT0);
  auto b = p.park("b", 2, true, kT0);
  auto c = p.park("c", 3, true, kT0);
  ASSERT_TRUE(p.park("single", 4, false, kT0));  // a RELEASE's NAK: no partner needed
  ASSERT_TRUE(p.acknowledge(*b, true));          // answered just before
  ASSERT_TRUE(p.acknowledge(*a, false));
  ASSERT_TRUE(p.acknowledge(*c, false));
  EXPECT_EQ(p.awaitingAck(), 0u);
  EXPECT_EQ(p.release(100), (std::vector<std::string>{"b", "single"}));

  // ...or the HA service is detached (reload, HA off) and will never answer: failAcks().
  auto d = p.park("d", 5, true, kT0);
  ASSERT_TRUE(p.park("disk", 6, false, kT0));
  auto failed = p.failAcks();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].item, "d");
  EXPECT_EQ(failed[0].why, Exit::AckFailed);
  EXPECT_FALSE(p.acknowledge(*d, true));
  EXPECT_EQ(p.release(100), (std::vector<std::string>{"disk"}));
}

TEST(ReplyParking, ShutdownDrainsWhatIsStillWaiting) {
  Parking p(10, 5s);
  ASSERT_TRUE(p.park("durable", 1, false, kT0));
  auto t = p.park("partner", 2, true, kT0);
  ASSERT_TRUE(p.park("disk", 3, false, kT0));
  // The final flush made seq 1 durable: that one still goes out.
  EXPECT_EQ(p.release(1), (std::vector<std::string>{"durable"}));
  auto d = p.drain();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(items(d), (std::vector<std::string>{"partner", "disk"}));
  EXPECT_EQ(d[0].why, Exit::Shutdown);
  EXPECT_EQ(d[1].why, Exit::Shutdown);
  EXPECT_TRUE(p.empty());
  EXPECT_FALSE(p.acknowledge(*t, true));
}

TEST(ReplyParking, TicketsAreNeverReused) {
  Parking p(1, 5s);
  auto a = p.park("a", 1, true, kT0);
  ASSERT_TRUE(p.acknowledge(*a, false));
  auto b = p.park("b", 1, true, kT0);
  ASSERT_TRUE(b);
  EXPECT_NE(*a, *b);
  EXPECT_FALSE(p.acknowledge(*a, true));  // a stale answer does not release b
  EXPECT_EQ(p.awaitingAck(), 1u);
}

}  // namespace
}  // namespace tandem::net
