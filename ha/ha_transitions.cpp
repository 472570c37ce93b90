#include "ha/ha_transitions.h"

#include <array>

namespace tandem::ha {

namespace {

using S = HaState;
using G = Guard;
using O = Outcome;

constexpr StateSet kNormal = states({S::LoadBalancing, S::HotStandby});
// States where the global checks of reference 2.3 apply (all but backup, passive-backup,
// terminated and in-maintenance; partner-in-maintenance takes only the terminate check).
constexpr StateSet kTerminateChecked = states({S::Waiting, S::Syncing, S::Ready, S::LoadBalancing, S::HotStandby,
                                               S::CommunicationRecovery, S::PartnerDown, S::PartnerInMaintenance});
constexpr StateSet kInvalidChecked =
    states({S::Syncing, S::Ready, S::LoadBalancing, S::HotStandby, S::CommunicationRecovery, S::PartnerDown});

constexpr std::array kTable = {
    // waiting: backups and passive-backup leave at once, before any partner check.
    TransitionRow{bit(S::Waiting), kAnyPartner, G::RoleBackup, O::To, S::Backup, "backup server"},
    TransitionRow{bit(S::Waiting), kAnyPartner, G::ModePassiveBackup, O::To, S::PassiveBackup, "passive-backup mode"},
    // Global checks (2.3).
    TransitionRow{kTerminateChecked, kAnyPartner, G::ShouldTerminate, O::To, S::Terminated, "terminating HA service"},
    TransitionRow{bit(S::Waiting), kAnyPartner, G::PartnerStateInvalid, O::Stay, S::Waiting,
                  "partner state does not exist in our HA mode (configuration mismatch?)"},
    TransitionRow{kInvalidChecked, kAnyPartner, G::PartnerStateInvalid, O::To, S::Waiting,
                  "partner state does not exist in our HA mode (configuration mismatch?)"},

    // waiting
    TransitionRow{bit(S::Waiting),
                  states({S::LoadBalancing, S::HotStandby, S::CommunicationRecovery, S::PartnerDown,
                          S::PartnerInMaintenance, S::InMaintenance, S::Ready}),
                  G::Always, O::SyncOrReady, S::Syncing, "partner is up; fetching its leases"},
    TransitionRow{bit(S::Waiting), bit(S::Waiting), G::IsPrimary, O::SyncOrReady, S::Syncing,
                  "both servers waiting; the primary goes first"},
    TransitionRow{bit(S::Waiting), bit(S::Terminated), G::PartnerTerminatedLong, O::To, S::Terminated,
                  "partner has stayed terminated for 10 minutes and was not restarted"},
    TransitionRow{bit(S::Waiting), bit(S::Unavailable), G::ShouldPartnerDown, O::To, S::PartnerDown,
                  "partner unreachable for longer than max-response-delay"},

    // syncing
    TransitionRow{bit(S::Syncing), bit(S::Terminated), G::Always, O::To, S::Terminated, "partner is terminated"},
    TransitionRow{bit(S::Syncing), bit(S::Unavailable), G::ShouldPartnerDown, O::To, S::PartnerDown,
                  "partner unreachable for longer than max-response-delay"},
    TransitionRow{bit(S::Syncing), kAnyPartner & ~(bit(S::Unavailable) | kPartnerUnknown), G::Always, O::StartSync,
                  S::Syncing, "synchronising leases with the partner"},

    // ready
    TransitionRow{bit(S::Ready), states({S::LoadBalancing, S::HotStandby, S::CommunicationRecovery}), G::Always,
                  O::Normal, S::LoadBalancing, "partner is serving; joining it"},
    TransitionRow{bit(S::Ready), bit(S::InMaintenance), G::Always, O::To, S::PartnerInMaintenance,
                  "partner is in maintenance"},
    TransitionRow{bit(S::Ready), bit(S::PartnerInMaintenance), G::Always, O::To, S::InMaintenance,
                  "partner took over for maintenance"},
    TransitionRow{bit(S::Ready), bit(S::Ready), G::IsPrimary, O::Normal, S::LoadBalancing,
                  "both servers ready; the primary goes first"},
    TransitionRow{bit(S::Ready), bit(S::Terminated), G::Always, O::To, S::Terminated, "partner is terminated"},
    TransitionRow{bit(S::Ready), bit(S::Unavailable), G::ShouldPartnerDown, O::To, S::PartnerDown,
                  "partner unreachable for longer than max-response-delay"},

    // load-balancing / hot-standby
    TransitionRow{kNormal, bit(S::InMaintenance), G::Always, O::To, S::PartnerInMaintenance,
                  "partner is in maintenance"},
    TransitionRow{kNormal, bit(S::PartnerDown), G::Always, O::To, S::Waiting,
                  "partner declared us down and served alone; resynchronising"},
    TransitionRow{kNormal, bit(S::PartnerInMaintenance), G::Always, O::To, S::InMaintenance,
                  "partner took over for maintenance"},
    TransitionRow{kNormal, bit(S::Terminated), G::Always, O::To, S::Terminated, "partner is terminated"},
    TransitionRow{kNormal, bit(S::Unavailable), G::ShouldPartnerDown, O::To, S::PartnerDown,
                  "partner unreachable for longer than max-response-delay and failure detected"},
    TransitionRow{kNormal, bit(S::Unavailable), G::CommRecoveryAllowed, O::To, S::CommunicationRecovery,
                  "partner unreachable; queueing lease updates"},

    // communication-recovery
    TransitionRow{bit(S::CommunicationRecovery), bit(S::InMaintenance), G::Always, O::To, S::PartnerInMaintenance,
                  "partner is in maintenance"},
    TransitionRow{bit(S::CommunicationRecovery), bit(S::PartnerDown), G::Always, O::To, S::Waiting,
                  "partner declared us down and served alone; resynchronising"},
    TransitionRow{bit(S::CommunicationRecovery), bit(S::PartnerInMaintenance), G::Always, O::To, S::InMaintenance,
                  "partner took over for maintenance"},
    TransitionRow{bit(S::CommunicationRecovery), bit(S::Terminated), G::Always, O::To, S::Terminated,
                  "partner is terminated"},
    TransitionRow{bit(S::CommunicationRecovery), bit(S::Unavailable), G::ShouldPartnerDown, O::To, S::PartnerDown,
                  "partner unreachable for longer than max-response-delay and failure detected"},
    TransitionRow{bit(S::CommunicationRecovery), bit(S::Unavailable), G::Always, O::Stay, S::CommunicationRecovery,
                  "partner still unreachable"},
    TransitionRow{bit(S::CommunicationRecovery), states({S::Waiting, S::Syncing, S::Ready}), G::CommOkAndOverflowed,
                  O::To, S::Waiting, "lease update backlog overflowed while the partner restarted; resynchronising"},
    TransitionRow{bit(S::CommunicationRecovery), states({S::Waiting, S::Syncing, S::Ready}), G::Always, O::Stay,
                  S::CommunicationRecovery, "waiting for the partner to finish synchronising"},
    TransitionRow{bit(S::CommunicationRecovery), kAnyPartner, G::CommInterrupted, O::Stay, S::CommunicationRecovery,
                  "communication still interrupted"},
    TransitionRow{bit(S::CommunicationRecovery), states({S::LoadBalancing, S::CommunicationRecovery}),
                  G::BacklogOverflowed, O::SendHaReset, S::CommunicationRecovery,
                  "lease update backlog overflowed; asking the partner to resynchronise"},
    TransitionRow{bit(S::CommunicationRecovery), states({S::LoadBalancing, S::CommunicationRecovery}), G::Always,
                  O::ReplayBacklog, S::CommunicationRecovery, "communication restored; sending queued lease updates"},
    TransitionRow{bit(S::CommunicationRecovery), kAnyPartner & ~kPartnerUnknown, G::Always, O::To, S::Waiting,
                  "partner in an unexpected state after communication recovery"},

    // partner-down
    TransitionRow{bit(S::PartnerDown), states({S::CommunicationRecovery, S::PartnerDown, S::PartnerInMaintenance}),
                  G::Always, O::To, S::Waiting, "partner is back and also served clients; resynchronising"},
    TransitionRow{bit(S::PartnerDown), bit(S::Ready), G::PartnerHasNewUnsent, O::To, S::Waiting,
                  "partner is back with lease updates we never received; resynchronising"},
    // tandemd: the partner is ready but missed leases we handed out since it last synchronised
    // from us (it synchronised, then lost us, e.g. a partition in one direction, while we went
    // on serving alone). Going back to normal now would let it hand out those addresses again:
    // ask it to resynchronise (ha-reset: it goes waiting and pulls our leases) and stay.
    TransitionRow{bit(S::PartnerDown), bit(S::Ready), G::LocalChangesUnsynced, O::SendHaReset, S::PartnerDown,
                  "partner is back but misses leases we handed out since its last synchronisation; "
                  "asking it to resynchronise"},
    TransitionRow{bit(S::PartnerDown), bit(S::Ready), G::Always, O::Normal, S::LoadBalancing,
                  "partner is back and synchronised"},
    TransitionRow{bit(S::PartnerDown), bit(S::Terminated), G::Always, O::To, S::Terminated, "partner is terminated"},

    // partner-in-maintenance: no failure detection, the partner announced itself.
    TransitionRow{bit(S::PartnerInMaintenance), bit(S::Unavailable), G::Always, O::To, S::PartnerDown,
                  "partner in maintenance stopped answering"},
};

}  // namespace

std::span<const TransitionRow> transitionTable() noexcept { return kTable; }

bool guardHolds(Guard g, const TransitionInputs& in) noexcept {
  switch (g) {
    case G::Always: return true;
    case G::RoleBackup: return in.roleBackup;
    case G::ModePassiveBackup: return in.modePassiveBackup;
    case G::ShouldTerminate: return in.shouldTerminate;
    case G::PartnerStateInvalid: return in.partnerStateInvalid;
    case G::IsPrimary: return in.primary;
    case G::ShouldPartnerDown: return in.shouldPartnerDown;
    case G::CommRecoveryAllowed: return in.commRecoveryAllowed;
    case G::CommOkAndOverflowed: return !in.commInterrupted && in.backlogOverflowed;
    case G::CommInterrupted: return in.commInterrupted;
    case G::BacklogOverflowed: return in.backlogOverflowed;
    case G::PartnerHasNewUnsent: return in.partnerHasNewUnsent;
    case G::PartnerTerminatedLong: return in.partnerTerminatedLong;
    case G::LocalChangesUnsynced: return in.localChangesUnsynced;
  }
  return false;
}

const TransitionRow* findTransition(const TransitionInputs& in) noexcept {
  const StateSet partner = in.partner ? bit(*in.partner) : kPartnerUnknown;
  for (const TransitionRow& r : kTable) {
    if ((r.from & bit(in.state)) && (r.partner & partner) && guardHolds(r.guard, in)) return &r;
  }
  return nullptr;
}

}  // namespace tandem::ha
