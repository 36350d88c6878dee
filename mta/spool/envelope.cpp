#include "mta/spool/envelope.hpp"

namespace mta::spool {

std::string_view to_string(RecipientStatus status) {
  switch (status) {
    case RecipientStatus::pending:
      return "pending";
    case RecipientStatus::delivered:
      return "delivered";
    case RecipientStatus::failed:
      return "failed";
  }
  return "unknown";
}

std::string_view to_string(RouteKind kind) {
  return kind == RouteKind::mx ? "mx" : "backend";
}

}  // namespace mta::spool
