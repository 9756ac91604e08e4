/*
 * Ouroboros - ipcpd-udp4 and ipcpd-udp6: one source, built twice with
 * UDP_IPCP_TYPE set to IPCP_UDP4 or IPCP_UDP6. See udp.h.
 */
#include "udp.h"

int main(int    argc,
         char * argv[])
{
        return udp_ipcp_main(argc, argv, UDP_IPCP_TYPE);
}
