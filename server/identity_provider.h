// The api::IdentityProvider the server gives S3Api (and the admin API): storage's
// IdentityStore behind api/'s narrow interface. Lookup failures of the store (an index error,
// a secret that does not decrypt) are logged, without the secret, and answered as an unknown
// key: the request then fails with InvalidAccessKeyId rather than reaching an operation.
#pragma once

#include <memory>

#include "api/identity.h"
#include "storage/identity_store.h"

namespace strata::server {

// `store` is not owned and must outlive the result. Thread-safe.
std::unique_ptr<api::IdentityProvider> NewStoreIdentityProvider(storage::IdentityStore& store);

}  // namespace strata::server
