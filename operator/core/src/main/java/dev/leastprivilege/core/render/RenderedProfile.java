package dev.leastprivilege.core.render;

import dev.leastprivilege.core.ProfileRef;
import java.nio.charset.StandardCharsets;

/** The bytes every node gets for one profile, and their hash. */
public record RenderedProfile(ProfileRef ref, byte[] json, String contentHash) {
  public String text() {
    return new String(json, StandardCharsets.UTF_8);
  }

  public String localhostProfile() {
    return ref.localhostProfile();
  }
}
