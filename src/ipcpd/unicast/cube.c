/*
 * Ouroboros - ipcpd-unicast: the QoS cube of a flow, from its QoS (the
 * rule, and why bandwidth is in it, is in ipcpd-unicast(8), "QoS
 * cubes"). The voice cube is served first by every member on the
 * path, so only flows that ask for no more than the voice preset's
 * bandwidth may take it: a low-delay flow that wants more goes in the
 * video cube, where it cannot starve the calls.
 */
#include "uni.h"

enum uni_cube uni_cube_of(const qosspec_t * qs)
{
        if (qs == NULL)
                return CUBE_BE;
        if (qs->delay <= qos_voice.delay &&
            qs->bandwidth <= qos_voice.bandwidth)
                return CUBE_VOICE;
        if (qs->delay <= 200 || qs->availability >= qos_video.availability)
                return CUBE_VIDEO;
        if (qs->loss == 0)
                return CUBE_DATA;

        return CUBE_BE;
}
