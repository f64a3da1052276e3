package dev.leastprivilege.api.v1alpha1;

/** Names shared by the CRDs, the operator, the agent and the CLI. */
public final class ApiNames {
  public static final String GROUP = "leastprivilege.dev";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /**
   * A Kubernetes object name (DNS-1123 subdomain); also safe as a path segment: no '/', no "..".
   */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** The longest object name (DNS-1123 subdomain) the API server accepts. */
  public static final int MAX_NAME_LENGTH = 253;

  /** A container name (DNS-1123 label). */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** The longest DNS-1123 label: a namespace or container name. */
  public static final int MAX_LABEL_LENGTH = 63;

  /**
   * Prefix of the base profiles shipped with the product, e.g. {@code builtin:runtime-baseline}.
   */
  public static final String BUILTIN_PREFIX = "builtin:";

  /** A base profile: a profile of the same namespace, or a built-in one. */
  public static final String BASE_PROFILE_NAME =
      "^(" + BUILTIN_PREFIX + ")?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A capability name, with or without CAP_, in any case; whether it exists is checked by core. */
  public static final String CAPABILITY_NAME = "^([Cc][Aa][Pp]_)?[A-Za-z_]+$";

  /**
   * Pod label: the pod uses one of our profiles. The operator's pod cache selects on it; the
   * webhook sets it.
   */
  public static final String USES_PROFILES_LABEL = GROUP + "/uses-profiles";

  /**
   * Pod label of the agent (value "true"), set by the chart's DaemonSet. The operator counts as a
   * profile's desired nodes those where a pod with this label, in its own namespace, is placed: the
   * DaemonSet controller has applied the agent's nodeSelector, affinity and tolerations.
   */
  public static final String AGENT_POD_LABEL = GROUP + "/agent";

  /**
   * Pod annotation naming the SeccompProfile for every container; {@code <this>.<container>} for
   * one.
   */
  public static final String SECCOMP_PROFILE_ANNOTATION = GROUP + "/seccomp-profile";

  /** Namespace label: with value "true", the webhook leaves the namespace's pods alone. */
  public static final String OPT_OUT_LABEL = GROUP + "/ignore";

  /**
   * Namespace label the operator maintains: "true" while the namespace holds a SeccompProfile, a
   * CapabilityPolicy or a ProfileRecording that is not Completed. The webhook configuration selects
   * only such namespaces, so an outage of the webhook blocks pods only where policies exist.
   */
  public static final String HAS_POLICIES_LABEL = GROUP + "/has-policies";

  /**
   * Namespace label, set by a cluster administrator: with value "allowed", ProfileRecordings of the
   * namespace may record. Creating a ProfileRecording is not enough: recording changes the seccomp
   * profile of running pods, so the namespace must opt in too.
   */
  public static final String RECORDING_ALLOWED_LABEL = GROUP + "/recording";

  /** Value of {@link #RECORDING_ALLOWED_LABEL} that allows recording. */
  public static final String RECORDING_ALLOWED = "allowed";

  /**
   * Pod annotation the webhook sets on a pod it gives a recording profile: the ProfileRecording's
   * name. The recorder counts a pod's records for a recording only when the pod also runs that
   * recording's profile.
   */
  public static final String RECORDING_ANNOTATION = GROUP + "/recording";

  /**
   * Label on the objects a recording made: its recording profile and the SeccompProfiles and
   * CapabilityPolicies it produced. Value: the ProfileRecording's name.
   */
  public static final String RECORDED_BY_LABEL = GROUP + "/recorded-by";

  /**
   * Annotation on the results a recording made: the ProfileRecording's UID. A recording writes a
   * result only where no object of that name exists or the object carries its own UID; a name (and
   * so the label) can be reused by a later recording, a UID cannot. {@code lpo export} removes it
   * with the label, so that exported objects are the user's.
   */
  public static final String RECORDED_BY_UID_ANNOTATION = GROUP + "/recorded-by-uid";

  private ApiNames() {}
}
