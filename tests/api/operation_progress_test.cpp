#include "dhcpd/api/operation_progress.h"

#include <gtest/gtest.h>

namespace tandem::api {
namespace {

using namespace std::chrono_literals;

TEST(OperationProgress, LinesEveryTwoSecondsAndAClosingOne) {
  FakeClock clock;
  OperationProgress p("lease4-wipe", "leases", 2000000, clock.now());
  p.setDone(100000);
  clock.advance(1500ms);
  EXPECT_EQ(p.lineDue(clock.now()), std::nullopt);
  clock.advance(500ms);
  EXPECT_EQ(p.lineDue(clock.now()), "lease4-wipe: 100000 of 2000000 leases (5%), 2.0 s");
  p.setDone(900000);
  clock.advance(1900ms);
  EXPECT_EQ(p.lineDue(clock.now()), std::nullopt);  // counted from the last line
  clock.advance(150ms);
  EXPECT_EQ(p.lineDue(clock.now()), "lease4-wipe: 900000 of 2000000 leases (45%), 4.0 s");
  p.setDone(3000000);  // never past the total
  EXPECT_EQ(p.done(), 2000000u);
  EXPECT_EQ(p.finishLine(clock.now()), "lease4-wipe: 2000000 leases in 4050 ms");
  EXPECT_EQ(p.toJson(clock.now()), nlohmann::json::parse(R"({"command": "lease4-wipe", "done": 2000000,
      "total": 2000000, "unit": "leases", "elapsed-ms": 4050})"));
}

TEST(OperationProgress, EmptyOperationIsComplete) {
  FakeClock clock;
  OperationProgress p("reservation-get-all", "hosts", 0, clock.now());
  EXPECT_EQ(p.line(clock.now()), "reservation-get-all: 0 of 0 hosts (100%), 0.0 s");
}

// What tandemctl shows for status-get's "operations" entry.
TEST(OperationProgress, FormatsABarOrAPlainLine) {
  const auto op = nlohmann::json::parse(R"({"command": "lease4-wipe", "done": 900000, "total": 2000000,
                                            "unit": "leases", "elapsed-ms": 3100})");
  EXPECT_EQ(formatOperation(op, false), "lease4-wipe: 900000 of 2000000 leases (45%), 3.1 s");
  EXPECT_EQ(formatOperation(op, true, 20), "[#########...........]  45% 900000/2000000 leases, 3.1 s");
  auto done = op;
  done["done"] = 2000000;
  EXPECT_EQ(formatOperation(done, true, 10), "[##########] 100% 2000000/2000000 leases, 3.1 s");
  EXPECT_EQ(formatOperation(nlohmann::json::object(), true), "");
  EXPECT_EQ(formatOperation(nlohmann::json("x"), false), "");
}

}  // namespace
}  // namespace tandem::api
