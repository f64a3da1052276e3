{{/* The release's base name: the release name when it already says what it is, else release-chart. */}}
{{- define "lpo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lpo.agentName" -}}{{ include "lpo.fullname" . }}-agent{{- end -}}
{{- define "lpo.webhookService" -}}{{ include "lpo.fullname" . }}-webhook{{- end -}}
{{/* The webhook's Deployment and ServiceAccount share the Service's name. */}}
{{- define "lpo.webhookName" -}}{{ include "lpo.fullname" . }}-webhook{{- end -}}
{{- define "lpo.webhookSecret" -}}{{ include "lpo.fullname" . }}-webhook-tls{{- end -}}

{{- define "lpo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "lpo.operatorSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "lpo.webhookSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end -}}

{{- define "lpo.agentSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{- define "lpo.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if eq $tag "latest" -}}{{ fail "image.tag must be a pinned version, not \"latest\"" }}{{- end -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}

{{/* A JVM's health probes: a startupProbe gives it up to 4 minutes (48 × 5 s) to answer /healthz, and only then does
     the livenessProbe start, at once and every 10 s. A JVM on a busy node takes far longer to start than once it
     runs; with liveness alone after a fixed initialDelaySeconds the kubelet killed programs still starting, and
     kept killing them. Usage: include "lpo.healthProbes" "http" (the container's port name). */}}
{{- define "lpo.healthProbes" -}}
startupProbe:
  httpGet: {path: /healthz, port: {{ . }}}
  periodSeconds: 5
  failureThreshold: 48
livenessProbe:
  httpGet: {path: /healthz, port: {{ . }}}
  periodSeconds: 10
{{- end -}}

{{/* The java command line: the image's JRE, the given JVM options, then the program's launcher (its module's jar,
     whose manifest Class-Path names exactly the jars it ships with, under /opt/lpo/lib) and its main class. */}}
{{- define "lpo.javaArgs" -}}
{{- range (splitList " " (.options | trim)) }}
{{- if . }}
- {{ . | quote }}
{{- end }}
{{- end }}
- "-cp"
- {{ printf "/opt/lpo/%s.jar" .launcher | quote }}
- {{ .main | quote }}
{{- end -}}

{{/* The same locked-down container settings for both programs; the agent differs only in its user. */}}
{{- define "lpo.containerSecurity" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
