// Command mksample writes the sample product that the demo and the
// end-to-end tests use: its base distribution, two update folders and the
// distribution at the level of the last update (see package
// inplace/internal/sample). It is a development and demo tool; it is not
// shipped.
//
// Usage:
//
//	go run ./tools/mksample -out DIR [-name NAME] [-version VERSION]
//	go run ./tools/mksample -customise PRODUCT_HOME [-conflicting]
//
// -customise makes a sample customer's edits in an installed PRODUCT_HOME:
// database settings in deployment.toml, a note of their own and a rebuilt
// jar (with -conflicting also an edit where the security update edits).
//
// It prints one line per item, a label and a value separated by a tab:
// the product key, then the base folder, each update folder and the newer
// distribution.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"inplace/internal/sample"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mksample:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errUsage marks a wrong command line.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mksample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	customise := fs.String("customise", "", "make the sample customer's edits in this installed PRODUCT_HOME")
	conflicting := fs.Bool("conflicting", false, "with -customise: also edit the line the security update changes")
	out := fs.String("out", "", "folder to write into (created if missing; base, update-1, update-2 and dist-2 must not exist in it)")
	var opt sample.Options
	fs.StringVar(&opt.Name, "name", "acme-gateway", "product name")
	fs.StringVar(&opt.Version, "version", "4.2.0", "product version")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mksample -out DIR [-name NAME] [-version VERSION] | -customise PRODUCT_HOME [-conflicting]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *customise != "" {
		if err := sample.Customise(*customise); err != nil {
			return err
		}
		if *conflicting {
			return sample.CustomiseConflicting(*customise)
		}
		return nil
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: want -out DIR and no arguments", errUsage)
	}
	lay, err := sample.Generate(*out, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "product\t%s\n", lay.Product)
	fmt.Fprintf(stdout, "base\t%s\n", lay.Base)
	for _, u := range lay.Updates {
		fmt.Fprintf(stdout, "update\t%s\n", u)
	}
	fmt.Fprintf(stdout, "newer\t%s\n", lay.Newer)
	return nil
}
