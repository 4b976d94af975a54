/*
 * gen_librdkafka writes librdkafka.tsv: for every key of keys.tsv, the
 * partition that librdkafka's own consistent (CRC-32), murmur2 and fnv1a
 * partitioner functions choose among 1, 3, 6, 7, 100 and 1000 partitions,
 * plus one line for a NULL key (key_hex "null"). See ../README.md.
 *
 * Only the non-random partitioners are called: they never look at the
 * topic handle, so NULL is passed for it. The *_random variants differ
 * only for NULL (and, for consistent_random, empty) keys, which they
 * partition randomly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>

static const int32_t counts[] = {1, 3, 6, 7, 100, 1000};
#define NCOUNTS (sizeof(counts) / sizeof(counts[0]))

static void row(FILE *out, const char *hex, const unsigned char *key, size_t len) {
        size_t i;
        fprintf(out, "%s", hex);
        for (i = 0; i < NCOUNTS; i++)
                fprintf(out, "\t%d", rd_kafka_msg_partitioner_consistent(NULL, key, len, counts[i], NULL, NULL));
        for (i = 0; i < NCOUNTS; i++)
                fprintf(out, "\t%d", rd_kafka_msg_partitioner_murmur2(NULL, key, len, counts[i], NULL, NULL));
        for (i = 0; i < NCOUNTS; i++)
                fprintf(out, "\t%d", rd_kafka_msg_partitioner_fnv1a(NULL, key, len, counts[i], NULL, NULL));
        fputc('\n', out);
}

int main(int argc, char **argv) {
        const char *dir = argc > 1 ? argv[1] : ".";
        char path[4096], line[8192];
        unsigned char key[4096];
        FILE *in, *out;

        snprintf(path, sizeof(path), "%s/keys.tsv", dir);
        if (!(in = fopen(path, "r"))) { perror(path); return 1; }
        snprintf(path, sizeof(path), "%s/librdkafka.tsv", dir);
        if (!(out = fopen(path, "w"))) { perror(path); return 1; }

        fprintf(out, "# key_hex\tconsistent p1 p3 p6 p7 p100 p1000\tmurmur2 p1 p3 p6 p7 p100 p1000\tfnv1a p1 p3 p6 p7 p100 p1000\n");
        fprintf(out, "# rd_kafka_msg_partitioner_{consistent,murmur2,fnv1a}(NULL, key, keylen, N, NULL, NULL)\n");
        fprintf(out, "# generated with librdkafka %s\n", rd_kafka_version_str());
        row(out, "null", NULL, 0);
        while (fgets(line, sizeof(line), in)) {
                size_t n = strcspn(line, "\t\n"), i;
                if (line[0] == '#')
                        continue;
                line[n] = '\0';
                for (i = 0; i < n / 2; i++) {
                        unsigned int b;
                        sscanf(line + 2 * i, "%2x", &b);
                        key[i] = (unsigned char)b;
                }
                /* An empty key is passed as a non-NULL pointer, as a
                 * producev() with RD_KAFKA_V_KEY("", 0) would. */
                row(out, line, key, n / 2);
        }
        fclose(in);
        return fclose(out) != 0;
}
