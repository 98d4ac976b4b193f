using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Guidelink.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class LeanerTouchIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Touches_TenantId_OccurredAt",
                table: "Touches");

            migrationBuilder.DropIndex(
                name: "IX_Customers_TenantId_ExternalUserId",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_TenantId_UnionId",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_ExternalUserId",
                table: "Customers",
                columns: new[] { "TenantId", "ExternalUserId" },
                unique: true,
                filter: "\"ExternalUserId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_UnionId",
                table: "Customers",
                columns: new[] { "TenantId", "UnionId" },
                unique: true,
                filter: "\"UnionId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_TenantId_ExternalUserId",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_TenantId_UnionId",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Touches_TenantId_OccurredAt",
                table: "Touches",
                columns: new[] { "TenantId", "OccurredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_ExternalUserId",
                table: "Customers",
                columns: new[] { "TenantId", "ExternalUserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_UnionId",
                table: "Customers",
                columns: new[] { "TenantId", "UnionId" },
                unique: true);
        }
    }
}
