package sample

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// An update is one vendor update, as the update service's publish command
// takes it: a descriptor and the files it writes and removes.
type update struct {
	name         string // folder name: "update-1"
	description  string
	instructions string
	security     bool
	bugFixes     map[string]string // id → summary
	files        tree              // files the update writes, relative to PRODUCT_HOME
	removed      []string          // files the update removes, relative to PRODUCT_HOME
}

// An edit replaces old, which must occur exactly once, by new.
type edit struct{ old, new string }

// edit writes into u.files the file path of prev with edits applied.
func (u *update) edit(prev tree, path string, edits ...edit) error {
	f, ok := prev[path]
	if !ok || f.link != "" {
		return fmt.Errorf("sample: %s edits %s, which is not a regular file of the level before it", u.name, path)
	}
	s, err := applyEdits(string(f.data), edits)
	if err != nil {
		return fmt.Errorf("sample: %s edits %s: %w", u.name, path, err)
	}
	f.data = []byte(s)
	u.files[path] = f
	return nil
}

func applyEdits(s string, edits []edit) (string, error) {
	for _, e := range edits {
		if n := strings.Count(s, e.old); n != 1 {
			return "", fmt.Errorf("%q occurs %d times, want once", e.old, n)
		}
		s = strings.Replace(s, e.old, e.new, 1)
	}
	return s, nil
}

// rebuild writes into u.files a new build of each archive.
func (u *update) rebuild(build string, archives ...archive) error {
	jars, err := buildAll(build, archives...)
	if err != nil {
		return err
	}
	for i, a := range archives {
		u.files[a.path] = file{data: jars[i], mode: 0o644}
	}
	return nil
}

// apply returns prev with u applied.
func (u *update) apply(prev tree) tree {
	t := prev.clone()
	for p, f := range u.files {
		t[p] = f
	}
	for _, p := range u.removed {
		delete(t, p)
	}
	return t
}

// update1 is a bug-fix update: it changes [apim.cors] near the end of
// deployment.toml, an XML file, a .properties file and the start script;
// replaces three jars, adds a jar and a configuration file, and removes a
// jar.
func update1(prev tree) (*update, error) {
	u := &update{
		name:        "update-1",
		description: "Gateway fixes: CORS, upload and back-end timeouts, memory settings; Redis-backed rate limiting.",
		instructions: "Restart the server after the update.\n" +
			"If you changed [apim.cors] in deployment.toml, review the new expose_headers key.\n" +
			"The legacy SOAP bridge plugin is removed: SOAP back ends are served by the gateway core.",
		bugFixes: map[string]string{
			"ACME-101": "CORS preflight requests with HEAD are rejected and rate-limit headers are not exposed",
			"ACME-109": "The deprecated SOAP bridge plugin loads an outdated XML parser",
			"ACME-114": "Uploading large API definitions through the management console times out after two minutes",
			"ACME-120": "Back ends that answer after 60 seconds get a 504 from the gateway",
			"ACME-127": "The server runs out of heap under sustained load with the default memory settings",
			"ACME-133": "Rate limits are not shared between gateway nodes",
		},
		files: tree{},
	}
	added, err := embedded("files/added")
	if err != nil {
		return nil, err
	}
	for p, f := range added {
		u.files[p] = f
	}
	if err := firstError(
		u.edit(prev, DeploymentToml,
			edit{
				`allow_methods = ["GET","PUT","POST","DELETE","PATCH","OPTIONS"]`,
				`allow_methods = ["GET","PUT","POST","DELETE","PATCH","OPTIONS","HEAD"]`,
			},
			edit{
				"allow_credentials = false\n",
				"allow_credentials = false\n" + `expose_headers = ["X-Request-ID","X-RateLimit-Remaining"]` + "\n",
			},
		),
		u.edit(prev, "repository/conf/catalina-server.xml",
			edit{`connectionUploadTimeout="120000"`, `connectionUploadTimeout="600000"`},
		),
		u.edit(prev, "repository/conf/http-transport.properties",
			edit{"http.socket.timeout=60000\n", "http.socket.timeout=180000\n"},
		),
		u.edit(prev, "bin/server.sh",
			edit{`JVM_MEM_OPTS="-Xms256m -Xmx1024m"`, `JVM_MEM_OPTS="-Xms512m -Xmx2048m -XX:+UseG1GC"`},
		),
		u.rebuild(buildUpdate1, apiMgtImpl, throttle, publisher, redisThrot),
	); err != nil {
		return nil, err
	}
	u.removed = []string{soapBridge.path}
	return u, nil
}

// update2 is a security update: it replaces CustomisedJar and changes a line
// near the top of [server] in deployment.toml and a line of
// log4j2.properties.
func update2(prev tree) (*update, error) {
	u := &update{
		name:        "update-2",
		description: "Security fixes: token validation, Host header validation, wire logs.",
		instructions: "Restart the server after the update.\n" +
			"Host header validation is now on: make sure load balancers forward the original Host header.",
		security: true,
		bugFixes: map[string]string{
			"ACME-140": "Password-reset links can be pointed at another host through the Host header",
			"ACME-141": "Wire logs write Authorization headers to the log at the default level",
			"ACME-142": "The token validator accepts JWTs whose alg header is none",
		},
		files: tree{},
	}
	if err := firstError(
		u.edit(prev, DeploymentToml,
			edit{"enable_host_header_validation = false\n", "enable_host_header_validation = true\n"},
		),
		u.edit(prev, "repository/conf/log4j2.properties",
			edit{"logger.http-wire.level = DEBUG\n", "logger.http-wire.level = OFF\n"},
		),
		u.rebuild(buildUpdate2, authCore),
	); err != nil {
		return nil, err
	}
	return u, nil
}

// firstError returns the first non-nil error of its arguments.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// descriptor returns update.yaml.
func (u *update) descriptor() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "description: %s\n", yamlString(u.description))
	fmt.Fprintf(&b, "instructions: %s\n", yamlString(u.instructions))
	fmt.Fprintf(&b, "security: %t\n", u.security)
	b.WriteString("bug_fixes:\n")
	for _, id := range slices.Sorted(maps.Keys(u.bugFixes)) {
		fmt.Fprintf(&b, "  %s: %s\n", id, yamlString(u.bugFixes[id]))
	}
	if len(u.removed) == 0 {
		b.WriteString("removed_files: []\n")
	} else {
		b.WriteString("removed_files:\n")
		for _, p := range slices.Sorted(slices.Values(u.removed)) {
			fmt.Fprintf(&b, "  - %s\n", p)
		}
	}
	return []byte(b.String())
}

// yamlString quotes s as a YAML double-quoted scalar. The escapes Go writes
// for ASCII output (\n, \", \\, \xNN, \uNNNN…) are all YAML escapes too.
func yamlString(s string) string { return strconv.QuoteToASCII(s) }
