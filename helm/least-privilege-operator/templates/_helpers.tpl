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
