using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminConsole.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WebhookDedupKeyAppends : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WebhookBatches_BodySha256",
                table: "WebhookBatches");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookBatches_TimeMs_BodySha256",
                table: "WebhookBatches",
                columns: new[] { "TimeMs", "BodySha256" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WebhookBatches_TimeMs_BodySha256",
                table: "WebhookBatches");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookBatches_BodySha256",
                table: "WebhookBatches",
                column: "BodySha256",
                unique: true);
        }
    }
}
