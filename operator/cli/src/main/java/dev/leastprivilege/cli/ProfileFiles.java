package dev.leastprivilege.cli;

import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.RenderedProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes rendered profiles where a node keeps them: ROOT/leastprivilege/NAMESPACE/NAME.json (see
 * {@link ProfileRef#fileName} for names over 250 characters).
 */
final class ProfileFiles {
  private ProfileFiles() {}

  static Path pathFor(Path root, ProfileRef ref) {
    return root.resolve(ref.localhostProfile());
  }

  /** Writes through a temporary file and a rename, so a reader never sees half a profile. */
  static Path write(Path root, RenderedProfile rendered) throws IOException {
    Path target = pathFor(root, rendered.ref());
    Files.createDirectories(target.getParent());
    // Not derived from the name: a long name's file name already takes all of NAME_MAX.
    Path tmp = Files.createTempFile(target.getParent(), ".lpo-", ".tmp");
    try {
      Files.write(tmp, rendered.json());
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }
}
