{{/*
The recorder: a second container of the agent's pods (recorder.enabled), and the host paths it reads. Each
privilege and why: docs/security-model.md, "The recorder".
*/}}
{{- define "lpo.recorderSource" -}}
{{- $source := .Values.recorder.seccompSource -}}
{{- if not (has $source (list "kmsg" "auditLog")) -}}
{{- fail (printf "recorder.seccompSource must be kmsg or auditLog, not %q" $source) -}}
{{- end -}}
{{- if eq (int .Values.recorder.healthPort) (int .Values.agent.healthPort) -}}
{{- fail (printf "recorder.healthPort must differ from agent.healthPort (%v): both containers share the pod's network" .Values.agent.healthPort) -}}
{{- end -}}
{{- $source -}}
{{- end -}}

{{- define "lpo.recorderContainer" -}}
{{- $source := include "lpo.recorderSource" . -}}
- name: recorder
  image: {{ include "lpo.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command: ["/opt/lpo/jre/bin/java"]
  args:
    {{- include "lpo.javaArgs" (dict "launcher" "lpo-recorder" "options" .Values.recorder.jvmOptions "main" "dev.leastprivilege.recorder.RecorderMain") | nindent 4 }}
  env:
    - name: NODE_NAME
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    - name: LPO_NAMESPACE
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: LPO_RECORDER_REPORT_SECONDS
      value: {{ .Values.recorder.reportSeconds | quote }}
    - name: LPO_RECORDER_HEALTH_PORT
      value: {{ .Values.recorder.healthPort | quote }}
    - name: LPO_RECORDER_SECCOMP_SOURCE
      value: {{ ternary "kmsg" "audit-log" (eq $source "kmsg") }}
    {{- if eq $source "kmsg" }}
    # A privileged container sees the host's devices: the kernel log itself, no volume needed.
    - name: LPO_RECORDER_KMSG
      value: /dev/kmsg
    {{- else }}
    - name: LPO_RECORDER_AUDIT_LOG
      value: {{ printf "/host/audit/%s" (base .Values.recorder.auditLogPath) | quote }}
    {{- end }}
    - name: LPO_RECORDER_TRACEFS
      value: /host/tracing
    - name: LPO_RECORDER_PROC
      value: /host/proc
    - name: MALLOC_ARENA_MAX
      value: "2"
  {{- with .Values.agent.extraEnv }}
  {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.recorder.extraEnv }}
  {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - name: recorder-http
      containerPort: {{ .Values.recorder.healthPort }}
  # Alive while its sources and watches run; ready once it has synced its node's pods and the profiles.
  {{- include "lpo.healthProbes" "recorder-http" | nindent 2 }}
  readinessProbe:
    httpGet: {path: /readyz, port: recorder-http}
    periodSeconds: 5
  resources:
    {{- toYaml .Values.recorder.resources | nindent 4 }}
  securityContext:
    readOnlyRootFilesystem: true
    {{- if eq $source "kmsg" }}
    # /dev/kmsg: the runtime's device cgroup lets only a privileged container open it, and the kernel asks for
    # CAP_SYSLOG where kernel.dmesg_restrict is 1. Privileged implies every capability and no seccomp filter.
    privileged: true
    {{- else }}
    # uid 0 (the pod's user) owns the audit log, tracefs and /proc/<pid>/cgroup: no capability is needed.
    privileged: false
    allowPrivilegeEscalation: false
    capabilities:
      drop: ["ALL"]
    seccompProfile:
      {{- toYaml .Values.recorder.seccompProfile | nindent 6 }}
    {{- end }}
  volumeMounts:
    # Only tracefs's instances directory: the tracefs root's kprobe_events, uprobe_events and global events stay
    # out of reach. A subPath, so that a node without tracefs stops only this container, never the agent.
    - name: recorder-tracefs
      mountPath: /host/tracing/instances
      subPath: instances
    - name: recorder-proc
      mountPath: /host/proc
      readOnly: true
    {{- if eq $source "auditLog" }}
    - name: recorder-audit
      mountPath: /host/audit
      readOnly: true
    {{- end }}
    - name: recorder-tmp
      mountPath: /tmp
{{- end -}}

{{- define "lpo.recorderVolumes" -}}
{{- $source := include "lpo.recorderSource" . -}}
# The capability:cap_capable trace event: the recorder makes its own trace instance there, so writable.
- name: recorder-tracefs
  hostPath:
    path: {{ .Values.recorder.tracefsPath }}
    type: Directory
# The host's processes: a record's PID -> /proc/<pid>/cgroup -> container ID -> pod.
- name: recorder-proc
  hostPath:
    path: /proc
    type: Directory
{{- if eq $source "auditLog" }}
# The audit daemon's log directory (it rotates the file within it), read-only.
- name: recorder-audit
  hostPath:
    path: {{ dir .Values.recorder.auditLogPath }}
    type: Directory
{{- end }}
- name: recorder-tmp
  emptyDir: {sizeLimit: 16Mi}
{{- end -}}
