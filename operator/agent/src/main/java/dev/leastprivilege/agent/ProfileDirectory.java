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
import java.util.List;
import java.util.UUID;

/**
 * The agent's files: {@code <root>/leastprivilege/<namespace>/<name>.json}, and nothing outside
 * that.
 *
 * <p>The file name is {@link ProfileRef#fileName}: {@code <name>.json}, or for a name too long for
 * that a cut name and a hash.
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
    Path file = base.resolve(ref.namespace()).resolve(ref.fileName()).normalize();
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
    // Not derived from the name: the file's own name may already take all of NAME_MAX.
    Path tmp = dir.resolve(TEMP_PREFIX + UUID.randomUUID() + TEMP_SUFFIX);
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

  /** A file of ours as found on disk: its namespace and its file name there. */
  public record ProfileFile(String namespace, String fileName) {
    static ProfileFile of(ProfileRef ref) {
      return new ProfileFile(ref.namespace(), ref.fileName());
    }

    public String localhostProfile() {
      return ProfileRef.ROOT_DIR + "/" + namespace + "/" + fileName;
    }
  }

  /** What a look through the directory found and did. */
  public record Scan(List<ProfileFile> files, List<String> skipped, int removedTemporaries) {}

  /**
   * The profile files on disk, after removing the temporary files a crash left behind and the
   * emptied namespace directories. Whatever does not have the form of one of ours (a directory or
   * file another tool put there, a name no profile can have, an entry it cannot read) is left alone
   * and named in {@link Scan#skipped}, and the look goes on past it.
   */
  public Scan scan() throws IOException {
    List<ProfileFile> files = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    int temps = 0;
    for (Path ns : entries(base, skipped)) {
      String namespace = ns.getFileName().toString();
      if (!Files.isDirectory(ns, LinkOption.NOFOLLOW_LINKS) || !Names.isLabel(namespace)) {
        skipped.add(ns + ": not a namespace directory of ours");
        continue;
      }
      for (Path f : entries(ns, skipped)) {
        String n = f.getFileName().toString();
        boolean regular = Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS);
        if (regular && n.startsWith(TEMP_PREFIX) && n.endsWith(TEMP_SUFFIX)) {
          try {
            Files.deleteIfExists(f);
            temps++;
          } catch (IOException e) {
            skipped.add(f + ": a temporary file it could not remove: " + e.getMessage());
          }
        } else if (regular && ProfileRef.isProfileFileName(n)) {
          files.add(new ProfileFile(namespace, n));
        } else {
          skipped.add(f + ": not a profile file of ours");
        }
      }
      try (DirectoryStream<Path> left = Files.newDirectoryStream(ns)) {
        if (!left.iterator().hasNext()) {
          Files.deleteIfExists(ns);
        }
      } catch (IOException e) {
        skipped.add(ns + ": " + e.getMessage());
      }
    }
    return new Scan(files, skipped, temps);
  }

  /** Removes a file {@link #scan} found, if it is still there. */
  public boolean remove(ProfileFile file) throws IOException {
    if (!Names.isLabel(file.namespace()) || !ProfileRef.isProfileFileName(file.fileName())) {
      throw new IOException("refusing " + file.localhostProfile() + ": not a profile file of ours");
    }
    Path path = base.resolve(file.namespace()).resolve(file.fileName()).normalize();
    if (!path.startsWith(base) || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    refuseLink(path.getParent());
    refuseLink(path);
    Files.delete(path);
    syncDirectory(path.getParent());
    return true;
  }

  /** The entries of a directory; one it cannot read is named in {@code skipped}. */
  private static List<Path> entries(Path dir, List<String> skipped) {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return found;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(found::add);
    } catch (IOException | java.nio.file.DirectoryIteratorException e) {
      skipped.add(dir + ": could not read it: " + e.getMessage());
    }
    return found;
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
