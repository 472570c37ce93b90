#pragma once
// Kea 2.2's flex_option hook library (libdhcp_flex_option.so), built in: rules that add,
// supersede or remove options (and sub-options of an encapsulating option) in every answer,
// with values computed by Kea's expression language from the query.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dhcpd/classify/class_set.h"
#include "dhcpd/classify/expression.h"
#include "dhcpd/proto/option_defs.h"

namespace tandem::config {

struct FlexOptionRule {
  enum class Action : std::uint8_t { Add, Supersede, Remove };
  Action action = Action::Add;
  std::uint8_t code = 0;                // the option, or the container of subCode
  std::optional<std::uint8_t> subCode;  // set: a sub-option rule ("sub-options")
  classify::Expression expr;            // a string (add/supersede) or boolean (remove) expression
  // csv-format true: the value is Kea's comma separated text for this definition; none: the
  // value's bytes are the option's data.
  std::optional<proto::OptionDef> def;
  // "client-class" guards (the container's and, for a sub-option, its own): the rule applies
  // only to queries in that class.
  std::optional<classify::ClassId> guard, containerGuard;
  // Sub-options: "container-add" (create the container when absent; default true) and
  // "container-remove" (remove the container left empty; default true).
  bool containerAdd = true, containerRemove = true;
};

}  // namespace tandem::config
