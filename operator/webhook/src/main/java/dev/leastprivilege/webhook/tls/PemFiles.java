package dev.leastprivilege.webhook.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * tls.crt and tls.key in a directory: a mounted kubernetes.io/tls Secret (cert-manager's or your
 * own). The kubelet swaps the files atomically when the Secret changes, and the next refresh picks
 * them up.
 */
public record PemFiles(Path dir) implements KeyMaterial {
  @Override
  public Optional<Pem> current() {
    try {
      return Optional.of(
          new Pem(
              Files.readString(dir.resolve("tls.crt")), Files.readString(dir.resolve("tls.key"))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read the webhook certificate in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String describe() {
    return dir.resolve("tls.crt") + " and tls.key";
  }
}
