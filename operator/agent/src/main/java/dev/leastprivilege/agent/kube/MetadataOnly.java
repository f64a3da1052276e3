package dev.leastprivilege.agent.kube;

import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * An object of which only the metadata is read: its name or UID is all that is wanted, and the rest
 * (a profile's spec, a Node's status) can be large.
 */
public record MetadataOnly(ObjectMeta metadata) {}
