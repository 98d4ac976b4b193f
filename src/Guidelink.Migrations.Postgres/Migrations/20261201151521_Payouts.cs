using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Guidelink.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Payouts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "RealName",
                table: "Partners",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100,
                oldNullable: true);

            migrationBuilder.CreateTable(
                name: "PayoutMismatches",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    PayoutId = table.Column<Guid>(type: "uuid", nullable: true),
                    OutBillNo = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    OurState = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    ProviderState = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Source = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Detail = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PayoutMismatches", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "Payouts",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Holder = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    EarnerKind = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    EarnerId = table.Column<Guid>(type: "uuid", nullable: false),
                    RequestKey = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    GrossFen = table.Column<long>(type: "bigint", nullable: false),
                    TaxFen = table.Column<long>(type: "bigint", nullable: false),
                    FeeFen = table.Column<long>(type: "bigint", nullable: false),
                    NetFen = table.Column<long>(type: "bigint", nullable: false),
                    Status = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Provider = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    RequestedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RequestedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ApprovalsRequired = table.Column<int>(type: "integer", nullable: false),
                    FirstApprover = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    FirstApprovedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    SecondApprover = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    SecondApprovedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RejectedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    RejectReason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    OutBillNo = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    TransferBillNo = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    PackageInfo = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    FailReason = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    ClaimedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    ClaimedUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Payouts", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "PayoutSettings",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Provider = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    MinimumFen = table.Column<long>(type: "bigint", nullable: false),
                    FeeBasisPoints = table.Column<int>(type: "integer", nullable: false),
                    DailyCapFen = table.Column<long>(type: "bigint", nullable: true),
                    TaxBasisPoints = table.Column<int>(type: "integer", nullable: false),
                    TaxThresholdFen = table.Column<long>(type: "bigint", nullable: false),
                    AutoApproveBelowFen = table.Column<long>(type: "bigint", nullable: false),
                    DualApprovalFromFen = table.Column<long>(type: "bigint", nullable: false),
                    MerchantCipher = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: true),
                    MerchantUpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PayoutSettings", x => x.TenantId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PayoutMismatches_TenantId_At",
                table: "PayoutMismatches",
                columns: new[] { "TenantId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Payouts_TenantId_Holder_RequestKey",
                table: "Payouts",
                columns: new[] { "TenantId", "Holder", "RequestKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Payouts_TenantId_OutBillNo",
                table: "Payouts",
                columns: new[] { "TenantId", "OutBillNo" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Payouts_TenantId_Status_NextAttemptAt",
                table: "Payouts",
                columns: new[] { "TenantId", "Status", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PayoutMismatches");

            migrationBuilder.DropTable(
                name: "Payouts");

            migrationBuilder.DropTable(
                name: "PayoutSettings");

            migrationBuilder.AlterColumn<string>(
                name: "RealName",
                table: "Partners",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(1000)",
                oldMaxLength: 1000,
                oldNullable: true);
        }
    }
}
