// ObjectStoreImpl, lifecycle configuration: one record per bucket under "l/<bucket>"
// (metadata_keys.h), written under the bucket stripe like the bucket's other settings and deleted
// in DeleteBucket's batch. TransitionVersion lives in transition.cc.
#include "storage/lifecycle.h"
#include "storage/metadata_keys.h"
#include "storage/object_store_impl.h"

namespace strata::storage {

boost::system::error_code ObjectStoreImpl::PutBucketLifecycle(
    const std::string& bucket, const LifecycleConfiguration& config) {
  std::set<std::string> classes;
  for (const auto& [name, tier] : options_.storage_class_tiers) classes.insert(name);
  if (auto ec = ValidateLifecycle(config, classes)) return ec;
  std::unique_lock lock(BucketLock(bucket));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  WriteBatch batch;
  batch.Put(LifecycleKey(bucket), EncodeLifecycle(config));
  return metadata_.Write(batch);
}

Result<LifecycleConfiguration> ObjectStoreImpl::GetBucketLifecycle(const std::string& bucket) {
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  auto value = metadata_.Get(LifecycleKey(bucket));
  if (!value) return value.error();
  if (!value->has_value()) return make_error_code(Errc::kNoSuchLifecycleConfiguration);
  return DecodeLifecycle(**value);
}

boost::system::error_code ObjectStoreImpl::DeleteBucketLifecycle(const std::string& bucket) {
  std::unique_lock lock(BucketLock(bucket));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  WriteBatch batch;
  batch.Delete(LifecycleKey(bucket));
  return metadata_.Write(batch);
}

}  // namespace strata::storage
