// Package cluster tracks a Kafka cluster as one producer sees it: the
// brokers and their connections (dialed lazily, re-dialed with exponential
// backoff and jitter), and the metadata of the topics in use (partitions,
// leaders, leader epochs, replicas, in-sync replicas), refreshed
// periodically and on demand with a floor on how often.
//
// Only the topics in use are ever requested: a Metadata request never asks
// for all topics of the cluster.
package cluster
