package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/bundle"
)

func newBundleCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "bundle participant NIK | bundle kecamatan NAME",
		Short: "Write a signed audit bundle of one participant's or one kecamatan's full history",
		Long: `Writes a zip with every event of the scope's streams (the participant, their
claims and every payer they have had, whole, so the contributions billed and
paid for them are in it; for a kecamatan every participant registered there,
their claims and their payers), each with its hash and its predecessor's, a manifest of the
stream heads and an Ed25519 signature of the manifest (JAMINAN_BUNDLE_KEY, 64 hex
digits; unset means the development key). An auditor checks it offline with
jaminan verify --bundle FILE [--public-key HEX].`,
		Example: "  jaminan bundle participant 6310054507850001 --out santi.zip\n  jaminan bundle kecamatan \"Kusan Hilir\" --out kusan-hilir.zip",
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "participant" && args[0] != "kecamatan" {
				return &usageError{fmt.Errorf("bundle takes participant NIK or kecamatan NAME, not %q", args[0])}
			}
			if out == "" {
				return &usageError{fmt.Errorf("--out FILE is required")}
			}
			key, development, err := bundleKey()
			if err != nil {
				return err
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			scope := bundle.Scope{Kind: args[0], ID: args[1]}
			var streams []string
			if scope.Kind == "participant" {
				member, err := built.application.ParticipantByNIK(cmd.Context(), args[1])
				if err != nil {
					return err
				}
				scope.ID = member.ID
				if streams, err = built.application.ParticipantStreams(cmd.Context(), member); err != nil {
					return err
				}
			} else {
				if !built.application.Places().HasKecamatan(args[1]) {
					return &usageError{fmt.Errorf("%q is not a kecamatan of Tanah Bumbu (%v)", args[1], built.application.Places().Kecamatan())}
				}
				if _, err := built.runner.CatchUp(cmd.Context()); err != nil {
					return fmt.Errorf("bring the read models up to date: %w", err)
				}
				if streams, err = bundle.Streams(cmd.Context(), built.pool, scope); err != nil {
					return err
				}
			}
			var zipped bytes.Buffer
			manifest, err := bundle.Write(cmd.Context(), &zipped, built.application.Store(), scope, streams, key, time.Now())
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, zipped.Bytes(), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d events in %d streams, signed by %s\n", out, manifest.Events, len(manifest.Streams), manifest.PublicKey)
			if development {
				fmt.Fprintln(cmd.ErrOrStderr(), "note: signed with the development key (JAMINAN_BUNDLE_KEY is unset): it proves integrity, not origin")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the zip file to write (required)")
	return cmd
}

// verifyBundle checks a bundle offline; it needs no database.
func verifyBundle(cmd *cobra.Command, path, publicKeyHex string) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var pinned ed25519.PublicKey
	if publicKeyHex != "" {
		key, err := hex.DecodeString(publicKeyHex)
		if err != nil || len(key) != ed25519.PublicKeySize {
			return &usageError{fmt.Errorf("--public-key must be 64 hex digits (the public_key of a bundle's manifest)")}
		}
		pinned = key
	}
	report, err := bundle.Verify(bytes.NewReader(body), int64(len(body)), pinned)
	if err != nil {
		fmt.Fprintf(cmd.OutOrStdout(), "BROKEN bundle %s: %v\n", path, err)
		return errReported
	}
	manifest := report.Manifest
	fmt.Fprintf(cmd.OutOrStdout(), "ok: bundle of %s %s from %s: %d events in %d streams, every chain intact, signature valid\n",
		manifest.Scope.Kind, manifest.Scope.ID, manifest.CreatedAt.Format(time.RFC3339), manifest.Events, len(manifest.Streams))
	if !report.KeyPinned {
		fmt.Fprintf(cmd.OutOrStdout(), "signed by %s — pass --public-key to require the ledger's own key\n", manifest.PublicKey)
	}
	return nil
}
