/* The protocol alias table (framing/protocols.h): every row is explained,
 * with what it covers and what it does not, in docs/protocols.md. */
#include <string.h>

#include "framing/protocols.h"

static const struct fr_protocol fr_protocols[] = {
    {"tls", "len:2be,offset=3,strip=0,max=18437",
     "TLS records, either direction (RFC 8446 5.1, RFC 5246 6.2)"},
    {"dns-tcp", "len:2be", "DNS over TCP, either direction (RFC 1035 4.2.2)"},
    {"postgres",
     "len:4be,offset=1,adjust=-4,strip=0,pre=len:4be/adjust=-4/strip=0",
     "PostgreSQL v3, client to server: startup message, then messages"},
    {"postgres-be", "len:4be,offset=1,adjust=-4,strip=0",
     "PostgreSQL v3, server to client messages"},
    {"mysql", "len:3le,adjust=1,strip=0",
     "MySQL client/server packets, either direction"},
    {"mqtt", "len:varint,offset=1,strip=0,vmax=4",
     "MQTT 3.1.1 / 5.0 control packets, either direction"},
    {"kafka", "len:4be", "Kafka requests and responses"},
    {"protobuf", "len:varint,vmax=5",
     "protobuf delimited streams (writeDelimitedTo)"},
    {"grpc", "len:4be,offset=1,strip=0",
     "gRPC length-prefixed messages in one HTTP/2 stream's DATA"},
    {"http2", "len:3be,adjust=6,strip=0,pre=fixed:24",
     "HTTP/2 frames, client to server, after the connection preface"},
    {"http2-server", "len:3be,adjust=6,strip=0",
     "HTTP/2 frames, server to client"},
    {"amqp", "len:4be,offset=3,strip=0,trailer=ce,pre=fixed:8",
     "AMQP 0-9-1 frames, client to server, after the protocol header"},
    {"amqp-server", "len:4be,offset=3,strip=0,trailer=ce",
     "AMQP 0-9-1 frames, server to client"},
    {"bitcoin", "len:4le,offset=16,adjust=4,strip=0,max=4000024",
     "Bitcoin P2P messages, either direction"},
    {"memcached-bin", "len:4be,offset=8,adjust=12,strip=0",
     "memcached binary protocol packets, either direction"},
    {"cql", "len:4be,offset=5,strip=0",
     "Cassandra native protocol v4 (CQL) frames, either direction"},
    {"ssh", "len:4be,strip=0,max=35000,pre=crlf/max=253",
     "SSH: identification line, then binary packets until NEWKEYS"},
    {"smtp", "crlf,max=998", "SMTP commands, replies and DATA lines"},
    {"pop3", "crlf,max=998", "POP3 commands and response lines"},
    {"imap", "crlf", "IMAP command and response lines (no literals)"},
    {"ftp", "crlf", "FTP control connection lines"},
    {"stomp", "delim:00", "STOMP frames (no NUL inside bodies)"},
    {"nats", "crlf", "NATS protocol lines (payloads are separate lines)"},
    {"redis", "resp", "Redis RESP2/RESP3 values, either direction"},
    {"http", "http1:req", "HTTP/1.1 requests"},
    {"http-resp", "http1:resp", "HTTP/1.1 responses"},
    {"websocket", "ws", "WebSocket frames (RFC 6455), either direction"},
};

#define FR_NPROTOCOLS (sizeof(fr_protocols) / sizeof(fr_protocols[0]))

const struct fr_protocol *fr_protocol_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < FR_NPROTOCOLS; i++)
		if (strcmp(fr_protocols[i].name, name) == 0)
			return &fr_protocols[i];
	return NULL;
}

const struct fr_protocol *fr_protocol_at(size_t i)
{
	return i < FR_NPROTOCOLS ? &fr_protocols[i] : NULL;
}

size_t fr_protocol_count(void)
{
	return FR_NPROTOCOLS;
}
