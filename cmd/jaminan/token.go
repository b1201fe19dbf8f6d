package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/postgres"
	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/domain/access"
)

func newTokenCommand() *cobra.Command {
	token := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke the HTTP API's bearer tokens",
		Long: `Bearer tokens authenticate every API call. Each has a role:
  operator   enrollment and claims commands; reads participants and claims
  finance    payments, payouts, reconciliation, period close; reads finance and dashboards
  auditor    reads everything: history, time travel, audit bundles, verify; no commands
  dashboard  the dash views (the page at /) only
  admin      tokens only
Only a SHA-256 of each token is stored; the token is printed once, when created.`,
		Args: cobra.NoArgs,
	}
	token.AddCommand(newTokenCreateCommand(), newTokenListCommand(), newTokenRevokeCommand())
	return token
}

func newTokenCreateCommand() *cobra.Command {
	var role, name string
	cmd := &cobra.Command{
		Use:     "create --role R --name N",
		Short:   "Create a token and print it once, on the last line",
		Example: "  jaminan token create --role finance --name siti.keuangan\n  TOKEN=$(jaminan token create --role auditor --name bpk | tail -n 1)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			parsed, err := access.ParseRole(role)
			if err != nil {
				return &usageError{fmt.Errorf("--role: %w", err)}
			}
			if err := tokens.ValidateName(name); err != nil {
				return &usageError{fmt.Errorf("--name: %w", err)}
			}
			store, closePool, err := openTokens(cmd)
			if err != nil {
				return err
			}
			defer closePool()
			plain, created, err := store.Create(cmd.Context(), name, parsed)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "token %s for %s, role %s — store it now: only its hash is kept\n", created.ID, created.Name, created.Role)
			fmt.Fprintln(cmd.OutOrStdout(), plain)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "operator, finance, auditor, dashboard or admin (required)")
	cmd.Flags().StringVar(&name, "name", "", "who holds it; recorded as the actor of every event it appends (required)")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newTokenListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List every token (never its secret)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, closePool, err := openTokens(cmd)
			if err != nil {
				return err
			}
			defer closePool()
			list, err := store.List(cmd.Context())
			if err != nil {
				return err
			}
			writer := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(writer, "ID\tNAME\tROLE\tCREATED\tREVOKED")
			for _, token := range list {
				revoked := ""
				if token.RevokedAt != nil {
					revoked = token.RevokedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(writer, "%s\t%s\t%s\t%s\t%s\n", token.ID, token.Name, token.Role, token.CreatedAt.Format(time.RFC3339), revoked)
			}
			return writer.Flush()
		},
	}
}

func newTokenRevokeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke the token with this id (as token list shows it); requests with it get 401 from then on",
		Long: `Revokes exactly one token: the one whose id is ID (16 hex digits, the ID column
of jaminan token list). A name is not accepted: a name may read like another
token's id.`,
		Example: "  jaminan token list\n  jaminan token revoke 3f9c0a1b2d4e5f60",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, closePool, err := openTokens(cmd)
			if err != nil {
				return err
			}
			defer closePool()
			revoked, err := store.Revoke(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %s (%s)\n", revoked.ID, revoked.Role)
			return nil
		},
	}
}

// openTokens connects and migrates without wiring the whole application.
func openTokens(cmd *cobra.Command) (*tokens.Store, func(), error) {
	if err := postgres.EnsureDatabase(cmd.Context(), databaseURL()); err != nil {
		return nil, nil, err
	}
	pool, err := postgres.Connect(cmd.Context(), postgres.Config{URL: databaseURL()})
	if err != nil {
		return nil, nil, err
	}
	if _, err := migrateSchema(cmd.Context(), pool, cmd.ErrOrStderr()); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return tokens.New(pool), pool.Close, nil
}
