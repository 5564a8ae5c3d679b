package sample

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"strings"
)

// texts holds the product's own text files: files/base is the base
// distribution laid out as PRODUCT_HOME, files/added the files updates add.
//
//go:embed files
var texts embed.FS

// DeploymentToml is the product's main configuration file, relative to
// PRODUCT_HOME.
const DeploymentToml = "repository/conf/deployment.toml"

// CustomisedJar is the plugin jar that Customise replaces with the
// customer's own build and that update-2, a security update, replaces too:
// a binary conflict. Relative to PRODUCT_HOME.
const CustomisedJar = "repository/components/plugins/acme-auth-core_7.3.12.jar"

// CustomerNotes is the file Customise adds: the vendor never ships it.
// Relative to PRODUCT_HOME.
const CustomerNotes = "repository/conf/customer-notes.txt"

// productFile is PRODUCT_HOME/updates/product.txt, which names the product.
const productFile = "updates/product.txt"

// runtimeLink is a relative symbolic link from lib/ into the plugins.
const (
	runtimeLink   = "lib/runtime.jar"
	runtimeTarget = "../repository/components/plugins/acme-gateway-core_7.3.12.jar"
)

// A file is one entry of a product tree: a regular file or a symbolic link.
type file struct {
	data []byte
	mode fs.FileMode // permission bits of a regular file
	link string      // target of a symbolic link; empty for a regular file
	tmpl bool        // data holds @NAME@-style placeholders to fill in
}

// A tree maps slash-separated paths relative to PRODUCT_HOME to files.
type tree map[string]file

func (t tree) clone() tree { return maps.Clone(t) }

const plugins = "repository/components/plugins/"

// Archives of the base distribution and of the updates. The three
// update-1 replaces, the one it removes and the one it adds are named in
// updates.go.
var (
	gatewayCore = archive{plugins + "acme-gateway-core_7.3.12.jar", "Acme Gateway Core", "org.acme.gateway.core", "7.3.12", 60, 7800}
	authCore    = archive{CustomisedJar, "Acme Auth Core", "org.acme.gateway.auth.core", "7.3.12", 40, 8000}
	apiMgtImpl  = archive{plugins + "acme-api-mgt-impl_7.3.12.jar", "Acme API Management Implementation", "org.acme.gateway.apimgt.impl", "7.3.12", 55, 7600}
	throttle    = archive{plugins + "acme-throttle-core_7.3.12.jar", "Acme Throttling Core", "org.acme.gateway.throttle.core", "7.3.12", 30, 7000}
	publisher   = archive{plugins + "acme-rest-api-publisher_7.3.12.jar", "Acme Publisher REST API", "org.acme.gateway.rest.api.publisher", "7.3.12", 35, 7000}
	keyManager  = archive{plugins + "acme-key-manager_7.3.12.jar", "Acme Key Manager", "org.acme.gateway.keymgt", "7.3.12", 25, 7000}
	analytics   = archive{plugins + "acme-analytics-client_2.1.4.jar", "Acme Analytics Client", "org.acme.analytics.client", "2.1.4", 18, 6500}
	soapBridge  = archive{plugins + "acme-legacy-soap-bridge_1.2.0.jar", "Acme Legacy SOAP Bridge", "org.acme.gateway.soap.bridge", "1.2.0", 12, 6000}
	redisThrot  = archive{plugins + "acme-redis-throttle_1.0.0.jar", "Acme Redis Throttling", "org.acme.gateway.throttle.redis", "1.0.0", 20, 7000}
	bootstrap   = archive{"lib/acme-bootstrap_7.3.12.jar", "Acme Bootstrap", "org.acme.gateway.bootstrap", "7.3.12", 10, 8000}
	launcher    = archive{"lib/acme-launcher_7.3.12.jar", "Acme Launcher", "org.acme.gateway.launcher", "7.3.12", 8, 6000}
	logBridge   = archive{"lib/acme-logging-bridge_1.4.0.jar", "Acme Logging Bridge", "org.acme.gateway.logging.bridge", "1.4.0", 6, 6000}
	adminPortal = archive{"repository/deployment/server/webapps/admin-portal.war", "Acme Admin Portal", "org.acme.gateway.portal.admin", "7.3.12", 30, 7000}

	baseArchives = []archive{
		gatewayCore, authCore, apiMgtImpl, throttle, publisher, keyManager,
		analytics, soapBridge, bootstrap, launcher, logBridge, adminPortal,
	}
)

// Key stores: binary files that are not archives.
var keystores = []struct {
	path string
	size int
}{
	{"repository/resources/security/acme-tls.jks", 4812},
	{"repository/resources/security/client-truststore.jks", 9306},
}

// baseTree returns the base distribution of the product named key.
func baseTree(key string) (tree, error) {
	t, err := embedded("files/base")
	if err != nil {
		return nil, err
	}
	t[productFile] = file{data: []byte(key + "\n"), mode: 0o644}
	t[runtimeLink] = file{link: runtimeTarget}
	jars, err := buildAll(buildGA, baseArchives...)
	if err != nil {
		return nil, err
	}
	for i, a := range baseArchives {
		t[a.path] = file{data: jars[i], mode: 0o644}
	}
	for _, k := range keystores {
		t[k.path] = file{data: keystore(k.path, k.size), mode: 0o644}
	}
	return t, nil
}

// embedded returns the text files under root in texts, as templates. Line
// ends are normalised whatever the checkout did to them: LF, and CRLF for
// Windows batch files. Shell scripts are executable.
func embedded(root string) (tree, error) {
	t := tree{}
	err := fs.WalkDir(texts, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := texts.ReadFile(p)
		if err != nil {
			return err
		}
		s := strings.ReplaceAll(string(data), "\r\n", "\n")
		if path.Ext(p) == ".bat" {
			s = strings.ReplaceAll(s, "\n", "\r\n")
		}
		mode := fs.FileMode(0o644)
		if path.Ext(p) == ".sh" {
			mode = 0o755
		}
		t[strings.TrimPrefix(p, root+"/")] = file{data: []byte(s), mode: mode, tmpl: true}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sample: reading embedded files: %w", err)
	}
	return t, nil
}
