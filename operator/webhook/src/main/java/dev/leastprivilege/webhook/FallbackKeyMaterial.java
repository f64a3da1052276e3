package dev.leastprivilege.webhook;

import dev.leastprivilege.webhook.tls.KeyMaterial;
import java.util.Optional;

/**
 * The self-managed Secret as read from the API server, or else its copy mounted into the pod: a
 * webhook that starts while the API server is down serves the mounted copy, and the Secret's own
 * content as soon as it can be read (the two are the same certificate but for a rotation the
 * kubelet has not copied yet).
 */
record FallbackKeyMaterial(KeyMaterial primary, KeyMaterial fallback) implements KeyMaterial {
  @Override
  public Optional<Pem> current() {
    Optional<Pem> pem = primary.current();
    if (pem.isPresent()) {
      return pem;
    }
    try {
      return fallback.current();
    } catch (RuntimeException unreadable) {
      // An unreadable copy is no worse than none: the Secret is read again at the next upkeep.
      return Optional.empty();
    }
  }

  @Override
  public String describe() {
    return primary.describe() + ", or its mounted copy " + fallback.describe();
  }
}
