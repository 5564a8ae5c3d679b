package sample

import (
	"fmt"
	"os"
	"path/filepath"
)

// customerDatabase is the customer's move of [database.apim_db] from the
// embedded H2 database to MySQL. It is at least three unchanged lines away
// from every line update-1 and update-2 change, so that a line-based
// three-way merge with either update is clean.
var customerDatabase = edit{
	`[database.apim_db]
type = "h2"
url = "jdbc:h2:./repository/database/ACME_GW_DB;AUTO_SERVER=TRUE;DB_CLOSE_ON_EXIT=FALSE"
username = "acmegw"
password = "acmegw"
`,
	`[database.apim_db]
type = "mysql"
url = "jdbc:mysql://db1.corp.example.com:3306/apim_db?useSSL=true&requireSSL=true"
username = "apim_prod"
password = "$secret{apim_db_password}"
driver = "com.mysql.cj.jdbc.Driver"
`,
}

// customerHostHeader edits the very line of deployment.toml that update-2
// changes: the customer turns the setting off by commenting it out, the
// update changes its value, so even a setting-by-setting merge conflicts.
var customerHostHeader = edit{
	"enable_host_header_validation = false\n",
	"#enable_host_header_validation = false # the load balancer checks Host\n",
}

const customerNotes = `Production gateway, data centre 1.
Database moved to MySQL (db1.corp.example.com), see deployment.toml.
acme-auth-core carries our patch for the LDAP group lookup (case CS-4411).
`

// Customise makes the changes a typical customer makes to the product
// installed in home: it moves [database.apim_db] in DeploymentToml to MySQL
// (far from every line the updates change, so both merge cleanly), adds
// CustomerNotes, and replaces CustomisedJar with a build of its own (which
// update-2 also replaces: a conflict on a binary file). It fails when
// DeploymentToml's [database.apim_db] is not as shipped. Any level of the
// sample product can be customised.
func Customise(home string) error {
	if err := editFile(home, DeploymentToml, customerDatabase); err != nil {
		return err
	}
	if err := writeFile(home, CustomerNotes, []byte(customerNotes)); err != nil {
		return err
	}
	jar, err := authCore.build(buildCustomer)
	if err != nil {
		return err
	}
	return writeFile(home, CustomisedJar, jar)
}

// CustomiseConflicting edits, in the product installed in home, the line of
// DeploymentToml that update-2 changes: merging update-2 then conflicts. It
// touches nothing else, so it can follow Customise. It fails when the line
// is not as shipped, as it is not from update-2's level on.
func CustomiseConflicting(home string) error {
	return editFile(home, DeploymentToml, customerHostHeader)
}

// editFile applies edits to the file rel of home, keeping its mode.
func editFile(home, rel string, edits ...edit) error {
	p := filepath.Join(home, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	s, err := applyEdits(string(data), edits)
	if err != nil {
		return fmt.Errorf("sample: %s is not as shipped: %w", p, err)
	}
	return writeFile(home, rel, []byte(s))
}

// writeFile writes the file rel of home, keeping the mode of the file it
// replaces; a new file gets mode 0644.
func writeFile(home, rel string, data []byte) error {
	p := filepath.Join(home, filepath.FromSlash(rel))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	return nil
}
