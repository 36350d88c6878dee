#include "campaigns/store/database.hpp"

#include "campaigns/store/schema.hpp"

namespace campaigns {

Database::Opened Database::open(const std::filesystem::path& path) {
  auto opened = mta::store::Database::open(path, {migrations(), "[campaigns] database"});
  if (!opened.database) return {nullptr, std::move(opened.error)};
  return {std::unique_ptr<Database>(new Database(std::move(*opened.database))), ""};
}

}  // namespace campaigns
