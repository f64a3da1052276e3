package dev.leastprivilege.cli.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads every YAML document from files and folders, keeping where each came from. */
public final class ManifestReader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /**
   * Larger documents are refused rather than read: no real policy is this big, and a node file must
   * stay small.
   */
  public static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

  /** Documents read, and files that could not be read (with the reason). */
  public record Result(List<Manifest> manifests, List<String> errors) {}

  private ManifestReader() {}

  public static Result read(List<Path> paths) {
    List<Manifest> manifests = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (Path p : paths) {
      if (!Files.exists(p)) {
        errors.add(p + ": no such file or directory");
      } else if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.walk(p)) {
          files
              .filter(ManifestReader::isYaml)
              .sorted()
              .forEach(f -> readFile(f, manifests, errors));
        } catch (IOException e) {
          errors.add(p + ": " + e.getMessage());
        }
      } else {
        readFile(p, manifests, errors);
      }
    }
    return new Result(manifests, errors);
  }

  private static boolean isYaml(Path p) {
    String n = p.getFileName().toString();
    return Files.isRegularFile(p)
        && !n.startsWith(".")
        && (n.endsWith(".yaml") || n.endsWith(".yml"));
  }

  private static void readFile(Path file, List<Manifest> out, List<String> errors) {
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        errors.add(
            file
                + ": "
                + Files.size(file)
                + " bytes is more than the "
                + MAX_FILE_BYTES
                + " a manifest may"
                + " have");
        return;
      }
      try (JsonParser parser = YAML.getFactory().createParser(file.toFile())) {
        JsonToken t;
        while ((t = parser.nextToken()) != null) {
          int line = parser.currentTokenLocation().getLineNr();
          JsonNode node = YAML.readTree(parser);
          if (t == JsonToken.START_OBJECT && node != null) {
            out.add(new Manifest(new Source(file, line), node));
          } else if (node != null && !node.isNull() && !node.isMissingNode()) {
            errors.add(
                file
                    + ":"
                    + line
                    + ": expected a Kubernetes object (a YAML mapping), found "
                    + node.getNodeType());
          }
        }
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      errors.add(
          file
              + (at == null ? "" : ":" + at.getLineNr())
              + ": malformed YAML: "
              + e.getOriginalMessage());
    } catch (IOException e) {
      errors.add(file + ": " + e.getMessage());
    }
  }
}
