package dev.leastprivilege.core.status;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReportOwnershipTest {
  private static final Optional<String> NODE = Optional.of("uid-now");

  @Test
  void theOperatorDeletesTheReportOfANodeThatIsGone() {
    assertTrue(ReportOwnership.stale(List.of("uid-now"), Optional.empty()));
    assertTrue(ReportOwnership.stale(List.of(), Optional.empty()));
  }

  @Test
  void theOperatorDeletesTheReportOfAnEarlierNodeOfTheSameName() {
    assertTrue(ReportOwnership.stale(List.of("uid-before"), NODE));
  }

  @Test
  void theOperatorKeepsTheReportOfItsNodeAndOneWithoutOwnerWhileTheNodeExists() {
    assertFalse(ReportOwnership.stale(List.of("uid-now"), NODE));
    assertFalse(ReportOwnership.stale(List.of(), NODE));
  }

  @Test
  void anAgentReplacesAReportItsNodeDoesNotOwn() {
    assertTrue(ReportOwnership.agentReplaces(List.of("uid-before"), NODE));
    assertTrue(ReportOwnership.agentReplaces(List.of(), NODE));
  }

  @Test
  void anAgentKeepsItsNodesReportAndOneItCannotJudge() {
    assertFalse(ReportOwnership.agentReplaces(List.of("uid-now"), NODE));
    assertFalse(ReportOwnership.agentReplaces(List.of("uid-before"), Optional.empty()));
  }
}
