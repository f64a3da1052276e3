package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A profile a node could not install (or remove): its identity, the content hash it tried (none for
 * a removal), and why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailedProfile {
  private String namespace;
  private String name;
  private String contentHash;
  private String message;

  public FailedProfile() {}

  public FailedProfile(String namespace, String name, String contentHash, String message) {
    this.namespace = namespace;
    this.name = name;
    this.contentHash = contentHash;
    this.message = message;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getContentHash() {
    return contentHash;
  }

  public void setContentHash(String contentHash) {
    this.contentHash = contentHash;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FailedProfile p
        && Objects.equals(namespace, p.namespace)
        && Objects.equals(name, p.name)
        && Objects.equals(contentHash, p.contentHash)
        && Objects.equals(message, p.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(namespace, name, contentHash, message);
  }
}
