using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminConsole.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WebhookLogCursor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LoggedWebhookBatchId",
                table: "AuditChain",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Until now every stored delivery was logged in the transaction that stored it.
            migrationBuilder.Sql("UPDATE \"AuditChain\" SET \"LoggedWebhookBatchId\" = COALESCE((SELECT MAX(\"Id\") FROM \"WebhookBatches\"), 0);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LoggedWebhookBatchId",
                table: "AuditChain");
        }
    }
}
