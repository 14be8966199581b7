{{/* Labels every object carries; the selector subset must never change after the first deploy. */}}
{{- define "frontend-proxy.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "frontend-proxy.labels" -}}
{{ include "frontend-proxy.selectorLabels" . }}
app.kubernetes.io/part-of: {{ .Values.partOf }}
app.kubernetes.io/component: edge-proxy
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
commerce.io/environment: {{ .Values.environment }}
{{- end }}

{{/* The image: pinned by digest when one is set, else by the version tag. */}}
{{- define "frontend-proxy.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end }}

{{/* A service's in-cluster DNS name: what a STRICT_DNS cluster resolves. */}}
{{- define "frontend-proxy.upstreamHost" -}}
{{ .service }}.{{ .namespace }}.svc.{{ .clusterDomain }}
{{- end }}

{{/* Routes of one upstream: GET/HEAD first (retried), then every other method (never retried). */}}
{{- define "frontend-proxy.routes" -}}
- name: {{ .name }}-idempotent
  match:
    {{ .match }}: {{ .value | quote }}
    headers:
      - name: ":method"
        string_match:
          safe_regex:
            regex: "^(GET|HEAD)$"
  route:
    cluster: {{ .cluster }}
    timeout: {{ .timeout }}
    {{- with .rewrite }}
    prefix_rewrite: {{ . | quote }}
    {{- end }}
    retry_policy:
      # Same VIP each time: kube-proxy picks the pod per connection, so no previous_hosts predicate.
      retry_on: connect-failure,refused-stream,reset
      num_retries: {{ .retries.numRetries }}
      per_try_timeout: {{ .retries.perTryTimeout }}
      retry_back_off:
        base_interval: 0.025s
        max_interval: 0.25s
- name: {{ .name }}
  match:
    {{ .match }}: {{ .value | quote }}
  route:
    cluster: {{ .cluster }}
    timeout: {{ .timeout }}
    {{- with .rewrite }}
    prefix_rewrite: {{ . | quote }}
    {{- end }}
{{- end }}

{{/* A STRICT_DNS cluster of one Kubernetes service. */}}
{{- define "frontend-proxy.cluster" -}}
- name: {{ .name }}
  type: STRICT_DNS
  dns_lookup_family: V4_ONLY
  respect_dns_ttl: true
  connect_timeout: {{ .connectTimeout }}
  lb_policy: ROUND_ROBIN
  per_connection_buffer_limit_bytes: 32768
  {{- if .http2 }}
  typed_extension_protocol_options:
    envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
      "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
      explicit_http_config:
        http2_protocol_options: {}
  {{- end }}
  load_assignment:
    cluster_name: {{ .name }}
    endpoints:
      - lb_endpoints:
          - endpoint:
              address:
                socket_address:
                  address: {{ .host }}
                  port_value: {{ .port }}
{{- end }}
