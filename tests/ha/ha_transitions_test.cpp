#include "ha/ha_transitions.h"

#include <gtest/gtest.h>

#include <vector>

namespace tandem::ha {
namespace {

using S = HaState;

// Every row can fire: for each row there is a partner state for which, with only that row's
// guard true, it is the first match. A row shadowed by an earlier one is a table bug.
TEST(HaTransitions, EveryRowIsReachable) {
  const auto table = transitionTable();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const TransitionRow& row = table[i];
    SCOPED_TRACE(testing::Message() << "row " << i << ": " << row.reason);
    bool reached = false;
    for (HaState from : kAllStates) {
      if (!(row.from & bit(from))) continue;
      std::vector<std::optional<HaState>> partners;
      if (row.partner & kPartnerUnknown) partners.push_back(std::nullopt);
      for (HaState p : kAllStates) {
        if (row.partner & bit(p)) partners.push_back(p);
      }
      for (const auto& p : partners) {
        TransitionInputs in;
        in.state = from;
        in.partner = p;
        switch (row.guard) {
          case Guard::Always: break;
          case Guard::RoleBackup: in.roleBackup = true; break;
          case Guard::ModePassiveBackup: in.modePassiveBackup = true; break;
          case Guard::ShouldTerminate: in.shouldTerminate = true; break;
          case Guard::PartnerStateInvalid: in.partnerStateInvalid = true; break;
          case Guard::IsPrimary: in.primary = true; break;
          case Guard::ShouldPartnerDown: in.shouldPartnerDown = true; break;
          case Guard::CommRecoveryAllowed: in.commRecoveryAllowed = true; break;
          case Guard::CommOkAndOverflowed: in.backlogOverflowed = true; break;
          case Guard::CommInterrupted: in.commInterrupted = true; break;
          case Guard::BacklogOverflowed: in.backlogOverflowed = true; break;
          case Guard::PartnerHasNewUnsent: in.partnerHasNewUnsent = true; break;
          case Guard::PartnerTerminatedLong: in.partnerTerminatedLong = true; break;
          case Guard::LocalChangesUnsynced: in.localChangesUnsynced = true; break;
        }
        if (findTransition(in) == &row) reached = true;
      }
    }
    EXPECT_TRUE(reached);
  }
}

struct Case {
  S state;
  std::optional<S> partner;
  TransitionInputs flags;  // only the boolean fields are read
  Outcome outcome;
  S to;  // checked for Outcome::To
};

TransitionInputs f() { return {}; }
TransitionInputs with(bool TransitionInputs::*m) {
  TransitionInputs in;
  in.*m = true;
  return in;
}

// The reference's table (ha-protocol.md 2.4), one line per transition.
TEST(HaTransitions, ReferenceTable) {
  using O = Outcome;
  const auto pd = &TransitionInputs::shouldPartnerDown;
  const std::vector<Case> cases = {
      // waiting
      {S::Waiting, S::LoadBalancing, f(), O::SyncOrReady, S::Syncing},
      {S::Waiting, S::HotStandby, f(), O::SyncOrReady, S::Syncing},
      {S::Waiting, S::CommunicationRecovery, f(), O::SyncOrReady, S::Syncing},
      {S::Waiting, S::PartnerDown, f(), O::SyncOrReady, S::Syncing},
      {S::Waiting, S::PartnerInMaintenance, f(), O::SyncOrReady, S::Syncing},
      {S::Waiting, S::InMaintenance, f(), O::SyncOrReady, S::Syncing},
      {S::Waiting, S::Ready, f(), O::SyncOrReady, S::Syncing},
      {S::Waiting, S::Waiting, with(&TransitionInputs::primary), O::SyncOrReady, S::Syncing},
      {S::Waiting, S::Waiting, f(), O::Stay, S::Waiting},
      {S::Waiting, S::Syncing, with(&TransitionInputs::primary), O::Stay, S::Waiting},
      {S::Waiting, S::Terminated, f(), O::Stay, S::Waiting},
      {S::Waiting, S::Terminated, with(&TransitionInputs::partnerTerminatedLong), O::To, S::Terminated},
      {S::Waiting, S::Unavailable, with(pd), O::To, S::PartnerDown},
      {S::Waiting, S::Unavailable, f(), O::Stay, S::Waiting},
      {S::Waiting, std::nullopt, f(), O::Stay, S::Waiting},
      {S::Waiting, S::LoadBalancing, with(&TransitionInputs::roleBackup), O::To, S::Backup},
      {S::Waiting, std::nullopt, with(&TransitionInputs::modePassiveBackup), O::To, S::PassiveBackup},
      {S::Waiting, S::LoadBalancing, with(&TransitionInputs::partnerStateInvalid), O::Stay, S::Waiting},
      {S::Waiting, S::LoadBalancing, with(&TransitionInputs::shouldTerminate), O::To, S::Terminated},
      // syncing
      {S::Syncing, S::Terminated, f(), O::To, S::Terminated},
      {S::Syncing, S::Unavailable, with(pd), O::To, S::PartnerDown},
      {S::Syncing, S::Unavailable, f(), O::Stay, S::Syncing},
      {S::Syncing, S::LoadBalancing, f(), O::StartSync, S::Syncing},
      {S::Syncing, S::Waiting, f(), O::StartSync, S::Syncing},
      {S::Syncing, S::PartnerDown, f(), O::StartSync, S::Syncing},
      {S::Syncing, S::HotStandby, with(&TransitionInputs::partnerStateInvalid), O::To, S::Waiting},
      // ready
      {S::Ready, S::LoadBalancing, f(), O::Normal, S::LoadBalancing},
      {S::Ready, S::HotStandby, f(), O::Normal, S::LoadBalancing},
      {S::Ready, S::CommunicationRecovery, f(), O::Normal, S::LoadBalancing},
      {S::Ready, S::InMaintenance, f(), O::To, S::PartnerInMaintenance},
      {S::Ready, S::PartnerInMaintenance, f(), O::To, S::InMaintenance},
      {S::Ready, S::Ready, with(&TransitionInputs::primary), O::Normal, S::LoadBalancing},
      {S::Ready, S::Ready, f(), O::Stay, S::Ready},
      {S::Ready, S::Terminated, f(), O::To, S::Terminated},
      {S::Ready, S::Unavailable, with(pd), O::To, S::PartnerDown},
      {S::Ready, S::Waiting, f(), O::Stay, S::Ready},
      {S::Ready, S::Syncing, f(), O::Stay, S::Ready},
      {S::Ready, S::PartnerDown, f(), O::Stay, S::Ready},
      // normal states
      {S::LoadBalancing, S::InMaintenance, f(), O::To, S::PartnerInMaintenance},
      {S::HotStandby, S::PartnerDown, f(), O::To, S::Waiting},
      {S::LoadBalancing, S::PartnerInMaintenance, f(), O::To, S::InMaintenance},
      {S::HotStandby, S::Terminated, f(), O::To, S::Terminated},
      {S::LoadBalancing, S::Unavailable, with(pd), O::To, S::PartnerDown},
      {S::LoadBalancing, S::Unavailable, with(&TransitionInputs::commRecoveryAllowed), O::To, S::CommunicationRecovery},
      {S::HotStandby, S::Unavailable, f(), O::Stay, S::HotStandby},
      {S::LoadBalancing, S::Waiting, f(), O::Stay, S::LoadBalancing},
      {S::LoadBalancing, S::Syncing, f(), O::Stay, S::LoadBalancing},
      {S::LoadBalancing, S::Ready, f(), O::Stay, S::LoadBalancing},
      {S::LoadBalancing, S::HotStandby, with(&TransitionInputs::partnerStateInvalid), O::To, S::Waiting},
      // communication-recovery
      {S::CommunicationRecovery, S::InMaintenance, f(), O::To, S::PartnerInMaintenance},
      {S::CommunicationRecovery, S::PartnerDown, f(), O::To, S::Waiting},
      {S::CommunicationRecovery, S::PartnerInMaintenance, f(), O::To, S::InMaintenance},
      {S::CommunicationRecovery, S::Terminated, f(), O::To, S::Terminated},
      {S::CommunicationRecovery, S::Unavailable, with(pd), O::To, S::PartnerDown},
      {S::CommunicationRecovery, S::Unavailable, f(), O::Stay, S::CommunicationRecovery},
      {S::CommunicationRecovery, S::Ready, with(&TransitionInputs::backlogOverflowed), O::To, S::Waiting},
      {S::CommunicationRecovery, S::Syncing, f(), O::Stay, S::CommunicationRecovery},
      {S::CommunicationRecovery, S::LoadBalancing, f(), O::ReplayBacklog, S::CommunicationRecovery},
      {S::CommunicationRecovery, S::CommunicationRecovery, with(&TransitionInputs::backlogOverflowed), O::SendHaReset,
       S::CommunicationRecovery},
      {S::CommunicationRecovery, S::LoadBalancing, with(&TransitionInputs::commInterrupted), O::Stay,
       S::CommunicationRecovery},
      {S::CommunicationRecovery, S::PassiveBackup, f(), O::To, S::Waiting},
      // partner-down
      {S::PartnerDown, S::CommunicationRecovery, f(), O::To, S::Waiting},
      {S::PartnerDown, S::PartnerDown, f(), O::To, S::Waiting},
      {S::PartnerDown, S::PartnerInMaintenance, f(), O::To, S::Waiting},
      {S::PartnerDown, S::Ready, with(&TransitionInputs::partnerHasNewUnsent), O::To, S::Waiting},
      {S::PartnerDown, S::Ready, f(), O::Normal, S::LoadBalancing},
      {S::PartnerDown, S::Terminated, f(), O::To, S::Terminated},
      {S::PartnerDown, S::Waiting, f(), O::Stay, S::PartnerDown},
      {S::PartnerDown, S::Syncing, f(), O::Stay, S::PartnerDown},
      {S::PartnerDown, S::LoadBalancing, f(), O::Stay, S::PartnerDown},
      {S::PartnerDown, S::Unavailable, with(pd), O::Stay, S::PartnerDown},
      // partner-in-maintenance: only partner loss, and the terminate check
      {S::PartnerInMaintenance, S::Unavailable, f(), O::To, S::PartnerDown},
      {S::PartnerInMaintenance, S::InMaintenance, f(), O::Stay, S::PartnerInMaintenance},
      {S::PartnerInMaintenance, S::HotStandby, with(&TransitionInputs::partnerStateInvalid), O::Stay,
       S::PartnerInMaintenance},
      {S::PartnerInMaintenance, S::InMaintenance, with(&TransitionInputs::shouldTerminate), O::To, S::Terminated},
      // terminal / operator-driven states ignore everything
      {S::InMaintenance, S::Unavailable, with(pd), O::Stay, S::InMaintenance},
      {S::InMaintenance, S::LoadBalancing, with(&TransitionInputs::shouldTerminate), O::Stay, S::InMaintenance},
      {S::Terminated, S::Ready, with(&TransitionInputs::shouldTerminate), O::Stay, S::Terminated},
      {S::Backup, S::Unavailable, with(pd), O::Stay, S::Backup},
      {S::PassiveBackup, S::Unavailable, with(pd), O::Stay, S::PassiveBackup},
  };
  for (const Case& c : cases) {
    TransitionInputs in = c.flags;
    in.state = c.state;
    in.partner = c.partner;
    const TransitionRow* row = findTransition(in);
    SCOPED_TRACE(testing::Message() << toString(c.state) << " / partner "
                                    << (c.partner ? toString(*c.partner) : "unknown"));
    const Outcome got = row ? row->outcome : Outcome::Stay;
    EXPECT_EQ(static_cast<int>(got), static_cast<int>(c.outcome)) << (row ? row->reason : "no row");
    if (c.outcome == Outcome::To && row) {
      EXPECT_EQ(row->to, c.to) << row->reason;
    }
  }
}

TEST(HaTransitions, ShouldTerminateComesBeforePartnerRules) {
  TransitionInputs in;
  in.state = S::LoadBalancing;
  in.partner = S::InMaintenance;
  in.shouldTerminate = true;
  const TransitionRow* row = findTransition(in);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->to, S::Terminated);
}

TEST(HaTransitions, StateNamesRoundTrip) {
  for (HaState s : kAllStates) EXPECT_EQ(parseHaState(toString(s)), s);
  EXPECT_EQ(parseHaState("LOAD-BALANCING"), std::nullopt);
  EXPECT_EQ(parseHaState(""), std::nullopt);
  EXPECT_EQ(toString(S::CommunicationRecovery), "communication-recovery");
}

}  // namespace
}  // namespace tandem::ha
