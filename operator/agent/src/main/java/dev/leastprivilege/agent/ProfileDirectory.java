package dev.leastprivilege.agent;

import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.Names;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The agent's files: {@code <root>/leastprivilege/<namespace>/<name>.json}, and nothing outside
 * that.
 *
 * <p>Every write goes to a temporary file in the same directory, is fsynced, renamed over the
 * target and the directory fsynced, so a crash at any point leaves the old file or the new one,
 * never a torn one. A symbolic link anywhere below the root is refused: the agent never makes one,
 * so one there was put by someone else, and following it could write outside the root.
 */
public final class ProfileDirectory {
  static final String TEMP_PREFIX = ".lpo-";
  static final String TEMP_SUFFIX = ".tmp";

  private final Path root;
  private final Path base;
  private final WriteSteps steps;

  /**
   * Points in a write where a test can stop the process, to prove what a crash there leaves behind.
   */
  public interface WriteSteps {
    WriteSteps NONE = step -> {};

    void reached(String step) throws IOException;
  }

  public ProfileDirectory(Path root) {
    this(root, WriteSteps.NONE);
  }

  public ProfileDirectory(Path root, WriteSteps steps) {
    this.root = root.toAbsolutePath().normalize();
    this.base = this.root.resolve(ProfileRef.ROOT_DIR);
    this.steps = steps;
  }

  public Path root() {
    return root;
  }

  /** The file for a profile, after checking that its name cannot leave the root. */
  public Path pathOf(ProfileRef ref) throws IOException {
    if (!Names.isLabel(ref.namespace()) || !Names.isObjectName(ref.name())) {
      throw new IOException(
          "refusing profile "
              + ref
              + ": its namespace or name is not a Kubernetes name, so it"
              + " could leave "
              + base);
    }
    Path file = base.resolve(ref.namespace()).resolve(ref.name() + ".json").normalize();
    if (!file.startsWith(base)) {
      throw new IOException("refusing " + file + ": outside " + base);
    }
    return file;
  }

  /**
   * Writes the profile unless the file already holds exactly these bytes. Returns whether it wrote.
   */
  public boolean write(ProfileRef ref, byte[] json) throws IOException {
    Path file = pathOf(ref);
    Path dir = file.getParent();
    ensureDirectory(base);
    ensureDirectory(dir);
    refuseLink(file);
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
        && Arrays.equals(Files.readAllBytes(file), json)) {
      return false;
    }
    Path tmp = dir.resolve(TEMP_PREFIX + ref.name() + "." + UUID.randomUUID() + TEMP_SUFFIX);
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS)) {
        ByteBuffer buf = ByteBuffer.wrap(json);
        int half = json.length / 2;
        buf.limit(half);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        steps.reached("half-written");
        buf.limit(json.length);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        steps.reached("written");
        ch.force(true);
      }
      steps.reached("synced");
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      steps.reached("renamed");
      syncDirectory(dir);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Removes a profile's file, if it is there. */
  public boolean remove(ProfileRef ref) throws IOException {
    Path file = pathOf(ref);
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    refuseLink(file.getParent());
    refuseLink(file);
    Files.delete(file);
    syncDirectory(file.getParent());
    return true;
  }

  /** The profiles that have a file, as found on disk. */
  public Set<ProfileRef> list() throws IOException {
    Set<ProfileRef> refs = new HashSet<>();
    for (Path ns : namespaceDirectories()) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(ns, "*.json")) {
        for (Path f : files) {
          String n = f.getFileName().toString();
          if (!n.startsWith(".") && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            refs.add(
                new ProfileRef(
                    ns.getFileName().toString(), n.substring(0, n.length() - ".json".length())));
          }
        }
      }
    }
    return refs;
  }

  /**
   * Deletes every file of ours that {@code keep} does not name, temporary files a crash left
   * behind, and emptied namespace directories. Returns what it removed.
   */
  public Set<ProfileRef> collectGarbage(Set<ProfileRef> keep) throws IOException {
    Set<ProfileRef> removed = new HashSet<>();
    for (ProfileRef ref : list()) {
      if (!keep.contains(ref) && remove(ref)) {
        removed.add(ref);
      }
    }
    for (Path ns : namespaceDirectories()) {
      try (DirectoryStream<Path> temps =
          Files.newDirectoryStream(ns, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
        for (Path t : temps) {
          Files.deleteIfExists(t);
        }
      }
      try (DirectoryStream<Path> left = Files.newDirectoryStream(ns)) {
        if (!left.iterator().hasNext()) {
          Files.deleteIfExists(ns);
        }
      }
    }
    return removed;
  }

  /** The per-namespace directories under leastprivilege/ (real directories only, never links). */
  private List<Path> namespaceDirectories() throws IOException {
    List<Path> dirs = new ArrayList<>();
    if (Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) {
      try (DirectoryStream<Path> namespaces = Files.newDirectoryStream(base)) {
        for (Path ns : namespaces) {
          if (Files.isDirectory(ns, LinkOption.NOFOLLOW_LINKS)) {
            dirs.add(ns);
          }
        }
      }
    }
    return dirs;
  }

  private void ensureDirectory(Path dir) throws IOException {
    refuseLink(dir);
    try {
      Files.createDirectories(dir);
    } catch (FileAlreadyExistsException e) {
      throw new IOException(dir + " exists and is not a directory", e);
    }
    refuseLink(dir);
  }

  /** Refuses a path whose components below the root include a symbolic link. */
  private void refuseLink(Path path) throws IOException {
    for (Path p = path; p != null && p.startsWith(base); p = p.getParent()) {
      if (Files.isSymbolicLink(p)) {
        throw new IOException(
            "refusing " + path + ": " + p + " is a symbolic link the agent did not create");
      }
    }
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
