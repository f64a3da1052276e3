package dev.leastprivilege.controller.support;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Gives JOSDK's meters of a controller of a core kind (Namespace, group "") the {@code
 * resource.group} tag the others carry, empty. JOSDK leaves the tag out for the core group, and
 * Prometheus keeps only the first set of tag keys it sees for a name: without this, whichever
 * controller reconciled first decided, and the other controllers' reconcile meters were silently
 * dropped.
 */
public final class SameMeterTags implements MeterFilter {
  static final String JOSDK_PREFIX = "operator.sdk.";
  static final String KIND = "resource.kind";
  static final String GROUP = "resource.group";

  @Override
  public Meter.Id map(Meter.Id id) {
    if (id.getName().startsWith(JOSDK_PREFIX)
        && id.getTag(KIND) != null
        && id.getTag(GROUP) == null) {
      return id.withTag(Tag.of(GROUP, ""));
    }
    return id;
  }
}
