package benchgen

import "math/rand/v2"

// words name packages, classes, settings and files, and fill text.
var words = []string{
	"api", "gateway", "throttle", "key", "manager", "analytics", "identity", "oauth",
	"token", "registry", "user", "core", "common", "service", "client", "rest",
	"admin", "publisher", "store", "portal", "workflow", "event", "stream", "notification",
	"security", "policy", "cache", "config", "deployment", "handler", "mediation", "transport",
	"http", "websocket", "graphql", "soap", "json", "xml", "schema", "validator",
	"subscription", "application", "tenant", "scope", "label", "endpoint", "backend", "sequence",
	"template", "cors", "jwt", "saml", "scim", "claim", "role", "permission",
	"dashboard", "metrics", "logging", "audit", "persistence", "database", "datasource", "migration",
	"synapse", "axis", "tomcat", "webapp", "provider", "federation", "session", "recovery",
	"consent", "governance", "lifecycle", "artifact", "indexing", "search", "message", "broker",
	"queue", "kafka", "jms", "throttling", "quota", "usage", "billing", "monetization",
	"revision", "environment", "certificate", "keystore", "truststore", "cipher", "secret", "vault",
	"listener", "connector", "pool", "thread", "worker", "scheduler", "task", "cluster",
	"member", "node", "heartbeat", "health", "status", "version", "resource", "operation",
	"request", "response", "header", "payload", "format", "encoding", "compression", "timeout",
	"retry", "backoff", "limit", "burst", "window", "interval", "duration", "expiry",
}

// classSuffixes end class names.
var classSuffixes = []string{
	"Manager", "Service", "Impl", "Util", "Handler", "Constants", "DTO", "Exception",
	"Factory", "Builder", "Provider", "Listener", "Config", "Client", "Resolver", "Validator",
	"Mapper", "Context", "Processor", "Executor", "Component", "DataHolder", "Admin", "Dao",
}

// prose is text for licences, notes and read-me files.
var prose = []string{
	"the", "software", "is", "provided", "as", "is", "without", "warranty",
	"of", "any", "kind", "express", "or", "implied", "including", "but",
	"not", "limited", "to", "merchantability", "fitness", "for", "a", "particular",
	"purpose", "and", "noninfringement", "in", "no", "event", "shall", "authors",
	"copyright", "holders", "be", "liable", "claim", "damages", "other", "liability",
	"whether", "an", "action", "contract", "tort", "otherwise", "arising", "from",
	"out", "connection", "with", "use", "dealings", "license", "permission", "hereby",
	"granted", "free", "charge", "person", "obtaining", "copy", "this", "files",
}

func word(r *rand.Rand) string { return words[r.IntN(len(words))] }

// camel returns n words as one capitalised name: "TokenRevocationHandler".
func camel(r *rand.Rand, n int) string {
	b := make([]byte, 0, 32)
	for range n {
		w := word(r)
		b = append(b, w[0]-'a'+'A')
		b = append(b, w[1:]...)
	}
	return string(b)
}

// lowerCamel is camel with a lower-case first letter: "tokenTimeout".
func lowerCamel(r *rand.Rand, n int) string {
	s := []byte(camel(r, n))
	s[0] += 'a' - 'A'
	return string(s)
}
