package dev.leastprivilege.webhook.tls;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's TLS without cert-manager: a CA and a serving certificate kept in one Secret of the
 * operator's namespace, and the CA written into the MutatingWebhookConfiguration's caBundle. Every
 * replica runs {@link #upkeep()} on start and every minute; the rules for what the Secret must
 * hold, including a CA rollover that never serves a certificate the API server does not trust yet,
 * are in {@link TlsSecret}.
 *
 * <p>Replicas agree through the API server. Each upkeep reads the webhook configuration first, then
 * the Secret, and writes both with their resourceVersion: a replica that lost a race reads again
 * and follows the winner, and a caBundle is only ever written from a Secret at least as new as the
 * one behind the caBundle it replaces, so a replica with an old view cannot take the next CA out of
 * the caBundle after the serving certificate moved to it. A caBundle reset by {@code helm upgrade}
 * is put back.
 */
public final class SelfManagedTls implements KeyMaterial {
  private static final Logger LOG = LoggerFactory.getLogger(SelfManagedTls.class);
  private static final int ATTEMPTS = 5;

  private final KubernetesClient client;
  private final String namespace;
  private final String secretName;
  private final String webhookConfigName;
  private final List<String> dnsNames;
  private final List<String> ipAddresses;
  private final Clock clock;
  private volatile TlsSecret secret;

  public SelfManagedTls(
      KubernetesClient client,
      String namespace,
      String secretName,
      String webhookConfigName,
      List<String> dnsNames,
      List<String> ipAddresses) {
    this(
        client, namespace, secretName, webhookConfigName, dnsNames, ipAddresses, Clock.systemUTC());
  }

  /** With a clock of the caller's, so tests can make certificates age. */
  public SelfManagedTls(
      KubernetesClient client,
      String namespace,
      String secretName,
      String webhookConfigName,
      List<String> dnsNames,
      List<String> ipAddresses,
      Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.secretName = secretName;
    this.webhookConfigName = webhookConfigName;
    this.dnsNames = dnsNames;
    this.ipAddresses = ipAddresses;
    this.clock = clock;
  }

  /**
   * Makes sure the Secret holds a usable certificate for our names, moves a CA rollover on when the
   * caBundle allows it, and makes the caBundle trust what the Secret says it must.
   */
  public synchronized void upkeep() {
    for (int attempt = 1; ; attempt++) {
      try {
        upkeepOnce();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == ATTEMPTS) {
          throw e;
        }
        // Another replica wrote first: read again and follow it.
      }
    }
  }

  private void upkeepOnce() {
    MutatingWebhookConfiguration config =
        webhookConfigName == null
            ? null
            : client
                .admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(webhookConfigName)
                .get();
    Secret stored = client.secrets().inNamespace(namespace).withName(secretName).get();
    TlsSecret state = new TlsSecret(stored == null ? Map.of() : decode(stored));
    TlsSecret.Upkeep upkeep =
        state.upkeep(
            clock.instant(),
            trusted(config),
            dnsNames,
            ipAddresses,
            () -> CertificateIssuer.newCa("least-privilege-operator webhook CA"));
    if (upkeep.changed()) {
      write(stored, upkeep.secret());
      LOG.info("webhook certificate in {}: {}", describe(), String.join("; ", upkeep.changes()));
    }
    secret = upkeep.secret();
    syncCaBundle(config, upkeep.secret().bundle());
  }

  /** The CA certificate (PEM) clients must trust, once upkeep has run. */
  public Optional<String> caCertificate() {
    return Optional.ofNullable(secret).map(s -> s.data().get(TlsSecret.CA_CRT));
  }

  /** Every CA certificate (PEM) the caBundle must hold now. */
  public List<String> caBundle() {
    TlsSecret s = secret;
    return s == null ? List.of() : s.bundle();
  }

  @Override
  public Optional<Pem> current() {
    TlsSecret s = secret;
    return s == null ? Optional.empty() : s.serving(clock.instant());
  }

  @Override
  public String describe() {
    return "Secret " + namespace + "/" + secretName + " (self-managed CA)";
  }

  private void write(Secret existing, TlsSecret content) {
    Map<String, String> data = new LinkedHashMap<>();
    content.data().forEach((k, v) -> data.put(k, b64(v)));
    if (existing == null) {
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName(secretName)
                  .withNamespace(namespace)
                  .addToLabels("app.kubernetes.io/managed-by", "least-privilege-operator")
                  .endMetadata()
                  .withType("Opaque")
                  .withData(data)
                  .build())
          .create();
    } else {
      // The resourceVersion read above makes this fail if another replica wrote in between.
      existing.setData(data);
      client.resource(existing).update();
    }
  }

  /**
   * The CA certificates that every webhook of the configuration trusts; null when there is no
   * configuration (then no API server calls us, and nothing needs waiting for).
   */
  private static Set<X509Certificate> trusted(MutatingWebhookConfiguration config) {
    if (config == null) {
      return null;
    }
    Set<X509Certificate> common = null;
    for (MutatingWebhook w : config.getWebhooks()) {
      Set<X509Certificate> these = new HashSet<>();
      String bundle = w.getClientConfig() == null ? null : w.getClientConfig().getCaBundle();
      if (bundle != null && !bundle.isEmpty()) {
        try {
          these.addAll(
              Pems.certificates(
                  new String(Base64.getDecoder().decode(bundle), StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
          // an unreadable caBundle trusts nothing
        }
      }
      if (common == null) {
        common = these;
      } else {
        common.retainAll(these);
      }
    }
    return common == null ? Set.of() : common;
  }

  private void syncCaBundle(MutatingWebhookConfiguration config, List<String> caPems) {
    if (webhookConfigName == null || caPems.isEmpty()) {
      return;
    }
    if (config == null) {
      LOG.warn(
          "MutatingWebhookConfiguration {} not found; nothing to put the CA into yet",
          webhookConfigName);
      return;
    }
    String bundle = b64(String.join("", caPems));
    if (config.getWebhooks().stream()
        .allMatch(w -> bundle.equals(w.getClientConfig().getCaBundle()))) {
      return;
    }
    for (MutatingWebhook w : config.getWebhooks()) {
      w.getClientConfig().setCaBundle(bundle);
    }
    // With the resourceVersion read before the Secret: a newer caBundle is never overwritten.
    client.resource(config).update();
    LOG.info(
        "wrote {} CA certificate(s) into MutatingWebhookConfiguration {}",
        caPems.size(),
        webhookConfigName);
  }

  private static Map<String, String> decode(Secret s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData()
          .forEach(
              (k, v) -> {
                if (v != null && !v.isEmpty()) {
                  try {
                    out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8));
                  } catch (IllegalArgumentException e) {
                    // not base64: treated as absent, and replaced
                  }
                }
              });
    }
    return out;
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
