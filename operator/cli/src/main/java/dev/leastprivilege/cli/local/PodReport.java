package dev.leastprivilege.cli.local;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.stream.Stream;

/**
 * Each pod's fate at admission: its containers' resulting securityContexts, or the refusal; and the
 * warnings.
 */
final class PodReport {
  private PodReport() {}

  static void print(PrintWriter out, List<PodAdmission.Admitted> pods, URI webhook) {
    out.println("Pods, admitted through the webhook at " + webhook + ":");
    for (PodAdmission.Admitted a : pods) {
      String name = a.manifest().namespace() + "/" + a.manifest().name();
      if (a.stored() == null) {
        out.println("  " + name + ": refused: " + a.refusal());
      } else {
        out.println("  " + name + ": admitted");
        Stream.concat(
                a.stored().getSpec().getInitContainers().stream(),
                a.stored().getSpec().getContainers().stream())
            .forEach(c -> out.println("    " + c.getName() + ": " + describe(c)));
      }
      a.warnings().forEach(w -> out.println("    Warning: " + w));
    }
  }

  private static String describe(Container c) {
    SecurityContext sc = c.getSecurityContext();
    SeccompProfile sp = sc == null ? null : sc.getSeccompProfile();
    Capabilities caps = sc == null ? null : sc.getCapabilities();
    String seccomp =
        sp == null
            ? "seccompProfile unset"
            : "seccompProfile "
                + sp.getType()
                + (sp.getLocalhostProfile() == null ? "" : " " + sp.getLocalhostProfile());
    String capabilities =
        caps == null
            ? "capabilities unchanged"
            : "capabilities drop "
                + caps.getDrop()
                + (caps.getAdd() == null || caps.getAdd().isEmpty() ? "" : " add " + caps.getAdd());
    return seccomp + "; " + capabilities;
  }
}
