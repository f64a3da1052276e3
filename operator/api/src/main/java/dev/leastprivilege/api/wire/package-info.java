/**
 * The operator → agent wire format: how a rendered profile travels from the operator to the nodes.
 * The operator publishes one ConfigMap per valid SeccompProfile in its own namespace ({@link
 * dev.leastprivilege.api.wire.RenderedProfileConfigMap}); every agent watches them and writes the
 * node files.
 *
 * <p>Unlike {@code v1alpha1}, which is plain data that users write, this package builds and reads
 * Kubernetes objects. It is an internal contract, not part of the user-facing API, but it is
 * versioned with it: operator and agents of different releases run side by side during an upgrade,
 * so a change here must be one both sides read. It lives in {@code api} because it is the lowest
 * module the operator and the agent both depend on.
 */
package dev.leastprivilege.api.wire;
