#!/usr/bin/env python3
"""Writes monitoring/grafana-dashboard.json (Grafana 9+ JSON model, Prometheus data source chosen at
import time through the DS_PROMETHEUS input). Edit the panels here and run it again:
    python3 monitoring/build_dashboard.py
tests/integration/test_monitoring.sh checks that every metric the panels query is exported."""
import json
import os

PANELS = [
    # (title, unit, [(expr, legend)], kind)
    ("row", "Ingest"),
    ("Events received / s", "ops", [
        ("sum(rate(clickstream_events_received_total[1m]))", "received"),
        ("sum(rate(clickstream_events_valid_total[1m]))", "valid"),
        ("sum(rate(clickstream_events_invalid_total[1m]))", "invalid")], "timeseries"),
    ("Invalid share (5m)", "percentunit", [
        ("sum(rate(clickstream_events_invalid_total[5m])) / (sum(rate(clickstream_events_received_total[5m])) > 0)",
         "invalid share")], "timeseries"),
    ("Invalid events by keyword / s", "ops", [
        ("sum by (keyword) (rate(clickstream_events_invalid_total[5m]))", "{{keyword}}")], "timeseries"),
    ("HTTP requests by route and code / s", "reqps", [
        ("sum by (route, code) (rate(clickstream_http_requests_total[1m]))", "{{route}} {{code}}")],
     "timeseries"),
    ("POST /collect latency", "s", [
        ("histogram_quantile(0.50, sum by (le) (rate(clickstream_http_request_duration_seconds_bucket{route=\"/collect\"}[1m])))", "p50"),
        ("histogram_quantile(0.99, sum by (le) (rate(clickstream_http_request_duration_seconds_bucket{route=\"/collect\"}[1m])))", "p99")],
     "timeseries"),
    ("row", "Kafka"),
    ("Kafka delivery latency per batch", "s", [
        ("histogram_quantile(0.50, sum by (le) (rate(clickstream_kafka_delivery_duration_seconds_bucket[1m])))", "p50"),
        ("histogram_quantile(0.99, sum by (le) (rate(clickstream_kafka_delivery_duration_seconds_bucket[1m])))", "p99")],
     "timeseries"),
    ("Kafka producer: where a record's time goes (librdkafka, last 5 s)", "s", [
        ("max by (stage, quantile) (clickstream_kafka_producer_latency_seconds)", "{{stage}} q{{quantile}}")],
     "timeseries"),
    ("Kafka delivery errors / s", "ops", [
        ("sum by (topic) (rate(clickstream_kafka_delivery_errors_total[5m]))", "{{topic}}")], "timeseries"),
    ("Kafka reachable", "none", [("min(clickstream_kafka_reachable)", "reachable")], "stat"),
    ("Schema in use", "none", [
        ("max(clickstream_schema_version)", "version"),
        ("max(clickstream_schema_id)", "id")], "stat"),
    ("row", "Enricher and unique users"),
    ("Enricher events / s", "ops", [
        ("sum by (outcome) (rate(clickstream_enricher_events_total[1m]))", "{{outcome}}")], "timeseries"),
    ("Enricher consumer lag (records)", "short", [
        ("sum by (partition) (clickstream_enricher_consumer_lag)", "partition {{partition}}")], "timeseries"),
    ("Enricher latency (raw to latest)", "s", [
        ("histogram_quantile(0.50, sum by (le) (rate(clickstream_enricher_latency_seconds_bucket[1m])))", "p50"),
        ("histogram_quantile(0.99, sum by (le) (rate(clickstream_enricher_latency_seconds_bucket[1m])))", "p99")],
     "timeseries"),
    ("Enricher transactions and errors / s", "ops", [
        ("sum by (result) (rate(clickstream_enricher_transactions_total[1m]))", "transactions {{result}}"),
        ("sum by (kind) (rate(clickstream_enricher_errors_total[5m]))", "errors {{kind}}")], "timeseries"),
    ("Unique-users records / s by result", "ops", [
        ("sum by (result) (rate(clickstream_unique_users_records_total[1m]))", "{{result}}"),
        ("sum(rate(clickstream_unique_users_updates_total[1m]))", "updates emitted")], "timeseries"),
    ("Unique-users state", "short", [
        ("max(clickstream_unique_users_days)", "days held"),
        ("max(clickstream_unique_users_state_ids)", "customer ids held")], "stat"),
    ("Unique-users rebuild at start", "s", [
        ("max(clickstream_unique_users_rebuild_seconds)", "seconds")], "stat"),
    ("row", "Capacity"),
    ("Queues", "short", [
        ("sum by (pool) (clickstream_queue_depth)", "{{pool}}"),
        ("sum(clickstream_batches_in_flight)", "batches in flight")], "timeseries"),
    ("Resident memory", "bytes", [("process_resident_memory_bytes{job=\"clickstream\"}", "{{instance}}")],
     "timeseries"),
    ("CPU", "percentunit", [("rate(process_cpu_seconds_total{job=\"clickstream\"}[1m])", "{{instance}}")],
     "timeseries"),
    ("Actor restarts (10m)", "short", [("sum(increase(clickstream_worker_restarts_total[10m]))", "restarts")],
     "stat"),
]


def build():
    panels, y, x, pid = [], 0, 0, 1
    for p in PANELS:
        if p[0] == "row":
            if x:
                y, x = y + 8, 0
            panels.append({"type": "row", "title": p[1], "id": pid, "collapsed": False,
                           "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
            pid += 1
            y += 1
            continue
        title, unit, queries, kind = p
        w = 6 if kind == "stat" else 12
        if x + w > 24:
            y, x = y + 8, 0
        panel = {
            "type": kind, "title": title, "id": pid,
            "datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"},
            "gridPos": {"h": 8, "w": w, "x": x, "y": y},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {},
            "targets": [{"refId": chr(ord("A") + i), "expr": e, "legendFormat": l,
                         "datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}}
                        for i, (e, l) in enumerate(queries)],
        }
        panels.append(panel)
        pid += 1
        x += w
    return {
        "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource",
                      "pluginId": "prometheus", "pluginName": "Prometheus"}],
        "title": "clickstream-pipeline",
        "uid": "clickstream-pipeline",
        "description": "The clickstream collector: ingest, validation, Kafka, enrichment, capacity.",
        "tags": ["clickstream"],
        "timezone": "utc",
        "schemaVersion": 37,
        "version": 1,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grafana-dashboard.json")
    with open(out, "w") as f:
        json.dump(build(), f, indent=2)
        f.write("\n")
    print("wrote " + out)
