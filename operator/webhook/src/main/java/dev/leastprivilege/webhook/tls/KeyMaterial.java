package dev.leastprivilege.webhook.tls;

import java.util.Optional;

/**
 * Where the serving certificate and key come from; asked again on every refresh, so rotation needs
 * no restart.
 */
public interface KeyMaterial {
  /** PEM text of the certificate chain (serving certificate first) and of its private key. */
  record Pem(String certificateChain, String privateKey) {}

  /** The current certificate and key, or empty when there are none yet. */
  Optional<Pem> current();

  /** Human-readable origin, for logs. */
  String describe();

  /** A certificate held in memory, never rotated (tests, the benchmark). */
  static KeyMaterial fixed(String certificateChain, String privateKey, String description) {
    Optional<Pem> pem = Optional.of(new Pem(certificateChain, privateKey));
    return new KeyMaterial() {
      @Override
      public Optional<Pem> current() {
        return pem;
      }

      @Override
      public String describe() {
        return description;
      }
    };
  }
}
