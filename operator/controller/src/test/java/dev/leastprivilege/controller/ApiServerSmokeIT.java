package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

class ApiServerSmokeIT {
  @Test
  void startsAndServesOurCrds() throws Exception {
    try (RealApiServer api = RealApiServer.start(); KubernetesClient client = api.client()) {
      assertEquals("v1.20.2", client.getKubernetesVersion().getGitVersion());
      assertEquals(3, client.apiextensions().v1().customResourceDefinitions().list().getItems().size());
    }
  }
}
