package dev.leastprivilege.cli.manifest;

import com.fasterxml.jackson.databind.JsonNode;

/** One YAML document of a manifest file. */
public record Manifest(Source source, JsonNode body) {
  public String kind() {
    return body.path("kind").asText("");
  }

  public String apiVersion() {
    return body.path("apiVersion").asText("");
  }

  public String name() {
    return body.path("metadata").path("name").asText(null);
  }

  /** Namespace as written, or "default" as kubectl would use without a context. */
  public String namespace() {
    return body.path("metadata").path("namespace").asText("default");
  }
}
