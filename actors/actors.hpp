// Every typed actor interface of clickstream-pipeline, in one place (one comment per message).
//
// Request path (DESIGN.md): HTTP worker thread -> validator (parse once, validate, route)
// -> producer (enqueue in librdkafka) -> delivery reports complete the batch -> HTTP answer.
// The HTTP thread waits on the batch's completion with a deadline; actors never block.
#pragma once

#include <caf/all.hpp>

#include <memory>

namespace clickstream {

class collect_batch;
class compiled_schema;

/// A request on its way to Kafka (runtime/collect_batch.hpp); shared, never copied.
using batch_ptr = std::shared_ptr<collect_batch>;
/// An immutable compiled schema shared by every validator.
using schema_ptr = std::shared_ptr<const compiled_schema>;

}  // namespace clickstream

// Local-only messages: these pointers never cross a process boundary.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(clickstream::batch_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(clickstream::schema_ptr)

namespace clickstream {

// -- atoms --------------------------------------------------------------------------------------

using collect_atom = caf::atom_constant<caf::atom("collect")>;
using produce_atom = caf::atom_constant<caf::atom("produce")>;
using schema_atom = caf::atom_constant<caf::atom("schema")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using drained_atom = caf::atom_constant<caf::atom("drained")>;
using run_atom = caf::atom_constant<caf::atom("run")>;

// -- interfaces ---------------------------------------------------------------------------------

/// Validator pool member: owns a batch_parser and an event_validator.
using validator_actor = caf::typed_actor<
    // Parses the batch's body once, validates every event, builds its records with the router and
    // hands the batch to a producer (or fails it when the schema is missing).
    caf::reacts_to<collect_atom, batch_ptr>,
    // Swaps to a newer compiled schema announced by the schema cache.
    caf::reacts_to<schema_atom, schema_ptr>>;

/// Producer pool member: enqueues records in the shared librdkafka producer.
using producer_actor = caf::typed_actor<
    // Produces every record of the batch (no copy of values); the delivery reports, served on the
    // producer's poll thread, complete the batch; a full queue fails it at once.
    caf::reacts_to<produce_atom, batch_ptr>>;

/// Schema cache (detached: its registry calls block its own thread only).
using schema_cache_actor = caf::typed_actor<
    // Fetches the subject's latest version now; re-arms itself (poll interval, or backoff while
    // the registry is down) and pushes a newer schema to every validator.
    caf::reacts_to<poll_atom>,
    // Answers the schema currently loaded (nullptr while none could be loaded yet).
    caf::replies_to<schema_atom>::with<schema_ptr>>;

/// HTTP receiver: owns the cpp-httplib server and its listen thread.
using receiver_actor = caf::typed_actor<
    // Stops accepting connections; answers true once every in-flight request is answered.
    caf::replies_to<stop_atom>::with<bool>,
    // Sent by the listen thread when the server has stopped and its workers are joined.
    caf::reacts_to<drained_atom>>;

/// Enricher pool member (detached: runs its blocking Kafka loop on its own thread, one
/// consume-transform-produce transaction per `run_atom`), and the daily-unique-users counter
/// (detached, one poll cycle per `run_atom`). See docs/enricher.md.
using enricher_actor = caf::typed_actor<
    // One cycle; re-sends itself run_atom (or a delayed one while the registry or Kafka is down).
    caf::reacts_to<run_atom>,
    // Finishes the current cycle (its transaction is committed or aborted), closes the consumer
    // (leaving the group) and the producer; answers true.
    caf::replies_to<stop_atom>::with<bool>>;
using unique_users_actor = enricher_actor;

/// Root of the actor tree: starts components in order, restarts crashed workers, escalates.
using supervisor_actor = caf::typed_actor<
    // Graceful shutdown: stops the components in reverse start order, answers when done.
    caf::replies_to<stop_atom>::with<bool>>;

}  // namespace clickstream
