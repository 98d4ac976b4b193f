using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Guidelink.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class PartnerLogin : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<Guid>(
                name: "StaffId",
                table: "UserAccounts",
                type: "uuid",
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uuid");

            migrationBuilder.AddColumn<Guid>(
                name: "PartnerId",
                table: "UserAccounts",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_UserAccounts_TenantId_PartnerId",
                table: "UserAccounts",
                columns: new[] { "TenantId", "PartnerId" },
                unique: true);

            migrationBuilder.AddCheckConstraint(
                name: "CK_UserAccounts_OnePerson",
                table: "UserAccounts",
                sql: "(\"StaffId\" IS NULL) <> (\"PartnerId\" IS NULL)");

            migrationBuilder.AddForeignKey(
                name: "FK_UserAccounts_Partners_TenantId_PartnerId",
                table: "UserAccounts",
                columns: new[] { "TenantId", "PartnerId" },
                principalTable: "Partners",
                principalColumns: new[] { "TenantId", "Id" },
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_UserAccounts_Partners_TenantId_PartnerId",
                table: "UserAccounts");

            migrationBuilder.DropIndex(
                name: "IX_UserAccounts_TenantId_PartnerId",
                table: "UserAccounts");

            migrationBuilder.DropCheckConstraint(
                name: "CK_UserAccounts_OnePerson",
                table: "UserAccounts");

            migrationBuilder.DropColumn(
                name: "PartnerId",
                table: "UserAccounts");

            migrationBuilder.AlterColumn<Guid>(
                name: "StaffId",
                table: "UserAccounts",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"),
                oldClrType: typeof(Guid),
                oldType: "uuid",
                oldNullable: true);
        }
    }
}
