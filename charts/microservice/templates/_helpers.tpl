{{/* Labels every object carries; the selector subset must never change after the first deploy. */}}
{{- define "microservice.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.name }}
app.kubernetes.io/instance: {{ .Values.name }}
{{- end }}

{{- define "microservice.labels" -}}
{{ include "microservice.selectorLabels" . }}
app.kubernetes.io/part-of: {{ .Values.partOf }}
app.kubernetes.io/component: service
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
commerce.io/environment: {{ .Values.environment }}
{{- end }}

{{/* The image reference: pinned by digest once a release wrote one, else repository:tag. */}}
{{- define "microservice.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end }}

{{- define "microservice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ .Values.name }}{{- else -}}default{{- end -}}
{{- end }}

{{/* Name of the port metrics are scraped from. */}}
{{- define "microservice.metricsPortName" -}}
{{- if and .Values.metrics.port (ne (int .Values.metrics.port) (int .Values.port)) -}}metrics{{- else -}}{{ .Values.protocol }}{{- end -}}
{{- end }}

{{- define "microservice.resourceAttributes" -}}
{{- $attrs := list (printf "service.namespace=%s" .Values.partOf) (printf "service.version=%s" .Values.image.tag) (printf "deployment.environment.name=%s" .Values.environment) "k8s.namespace.name=$(K8S_NAMESPACE)" "k8s.pod.name=$(K8S_POD_NAME)" "k8s.node.name=$(K8S_NODE_NAME)" -}}
{{- range $key, $value := .Values.otel.resourceAttributes -}}
{{- $attrs = append $attrs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{ join "," $attrs }}
{{- end }}
