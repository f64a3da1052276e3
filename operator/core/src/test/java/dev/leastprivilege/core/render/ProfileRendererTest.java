package dev.leastprivilege.core.render;

import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ALLOW;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ERRNO;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_KILL_PROCESS;
import static dev.leastprivilege.core.Specs.errno;
import static dev.leastprivilege.core.Specs.rule;
import static dev.leastprivilege.core.Specs.spec;
import static dev.leastprivilege.core.Specs.withArg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ArgOperator;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.ProfileRef;
import org.junit.jupiter.api.Test;

class ProfileRendererTest {
  private static final ProfileRef REF = new ProfileRef("shop", "web");

  @Test
  void rendersPlainOciJson() {
    SeccompProfileSpec s =
        spec(
            SCMP_ACT_ALLOW,
            errno(1, "fchmodat", "chmod"),
            withArg(errno(9, "write"), 0, 2, ArgOperator.SCMP_CMP_EQ));
    assertEquals(
        """
        {
          "defaultAction": "SCMP_ACT_ALLOW",
          "architectures": [
            "SCMP_ARCH_X86_64"
          ],
          "syscalls": [
            {
              "names": [
                "chmod",
                "fchmodat"
              ],
              "action": "SCMP_ACT_ERRNO",
              "errnoRet": 1
            },
            {
              "names": [
                "write"
              ],
              "action": "SCMP_ACT_ERRNO",
              "errnoRet": 9,
              "args": [
                {
                  "index": 0,
                  "value": 2,
                  "op": "SCMP_CMP_EQ"
                }
              ]
            }
          ]
        }
        """,
        ProfileRenderer.render(REF, s).text());
  }

  @Test
  void sameMeaningGivesSameBytesAndHash() {
    RenderedProfile a =
        ProfileRenderer.render(
            REF,
            spec(
                SCMP_ACT_ERRNO,
                rule(SCMP_ACT_ALLOW, "read", "write"),
                rule(SCMP_ACT_ALLOW, "close")));
    RenderedProfile b =
        ProfileRenderer.render(
            REF,
            spec(
                SCMP_ACT_ERRNO,
                rule(SCMP_ACT_ALLOW, "close", "write"),
                rule(SCMP_ACT_ALLOW, "read", "read")));
    assertEquals(a.text(), b.text());
    assertEquals(a.contentHash(), b.contentHash());
    assertTrue(a.contentHash().matches("sha256:[0-9a-f]{64}"));
    RenderedProfile c =
        ProfileRenderer.render(REF, spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "read")));
    assertNotEquals(a.contentHash(), c.contentHash());
  }

  @Test
  void rulesRepeatingTheDefaultAreLeftOut() {
    String json =
        ProfileRenderer.render(
                REF, spec(SCMP_ACT_ALLOW, rule(SCMP_ACT_ALLOW, "read"), errno(1, "chmod")))
            .text();
    assertFalse(json.contains("\"read\""), json);
    assertTrue(json.contains("\"chmod\""), json);
  }

  @Test
  void auditModeLogsWhatWouldBeRefused() {
    SeccompProfileSpec s =
        spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "read"), rule(SCMP_ACT_KILL_PROCESS, "ptrace"));
    s.setDefaultErrnoRet(1L);
    s.setMode(Mode.Audit);
    String json = ProfileRenderer.render(REF, s).text();
    assertTrue(json.contains("\"defaultAction\": \"SCMP_ACT_LOG\""), json);
    assertFalse(json.contains("KILL") || json.contains("ERRNO") || json.contains("errnoRet"), json);
    assertTrue(json.contains("\"read\""), "allowed calls stay allowed: " + json);
    assertFalse(json.contains("ptrace"), "a logged call equals the logging default: " + json);
  }

  @Test
  void localhostProfileIsTheFileUnderTheSeccompRoot() {
    assertEquals("leastprivilege/shop/web.json", REF.localhostProfile());
  }
}
