package dev.leastprivilege.webhook.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves whatever certificate the key material holds now. {@link #refresh()} rebuilds the delegate
 * when the PEM text changed; TLS handshakes after that use the new certificate, open connections
 * keep theirs. A broken new certificate is logged and the old one kept, so a bad rotation never
 * takes the webhook down.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
  private static final String ALIAS = "webhook";
  private final KeyMaterial material;
  private final AtomicReference<Loaded> loaded = new AtomicReference<>();

  private record Loaded(
      KeyMaterial.Pem pem, X509ExtendedKeyManager delegate, X509Certificate leaf) {}

  public ReloadingKeyManager(KeyMaterial material) {
    this.material = material;
  }

  /** Loads the material again if it changed; returns whether a certificate is being served. */
  public boolean refresh() {
    Optional<KeyMaterial.Pem> pem = material.current();
    Loaded now = loaded.get();
    if (pem.isEmpty() || (now != null && now.pem().equals(pem.get()))) {
      return now != null;
    }
    try {
      var chain = Pems.certificates(pem.get().certificateChain());
      PrivateKey key = Pems.privateKey(pem.get().privateKey());
      if (!KeyPairs.matches(key, chain.get(0))) {
        throw new IllegalArgumentException(
            "tls.key does not belong to the certificate in tls.crt ("
                + chain.get(0).getSubjectX500Principal()
                + ")");
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, new char[0], chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, new char[0]);
      loaded.set(
          new Loaded(pem.get(), (X509ExtendedKeyManager) kmf.getKeyManagers()[0], chain.get(0)));
      LOG.info(
          "serving certificate {} (valid until {}) from {}",
          chain.get(0).getSubjectX500Principal(),
          chain.get(0).getNotAfter().toInstant(),
          material.describe());
    } catch (GeneralSecurityException | java.io.IOException | IllegalArgumentException e) {
      LOG.error(
          "cannot use the new webhook certificate from {}, keeping the previous one: {}",
          material.describe(),
          e.getMessage());
    }
    return loaded.get() != null;
  }

  /** The certificate being served, if any. */
  public Optional<X509Certificate> serving() {
    return Optional.ofNullable(loaded.get()).map(Loaded::leaf);
  }

  private X509ExtendedKeyManager delegate() {
    Loaded l = loaded.get();
    if (l == null) {
      throw new IllegalStateException("no webhook certificate yet from " + material.describe());
    }
    return l.delegate();
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return delegate().chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return delegate().chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return delegate().getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return delegate().getPrivateKey(alias);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return delegate().getServerAliases(keyType, issuers);
  }

  // A server never acts as a TLS client.
  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
